package warden.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The host whitelist file: clients that skip every check (seed 004's {@code whitelist-hosts},
 * e.g. {@code *.amazonses.com}, whose many sending hosts a greylist or a delay would hurt).
 *
 * <p>The file is re-read when its modification time or size changes, checked at most once per
 * connection, so an edit needs no restart (as in the seed, where Exim reads the file on use).
 * A missing file is an empty list; a bad line is logged with the file, line and fix, and left out.
 * The format is {@link HostList}'s; names match only a forward-confirmed reverse name.
 */
public final class HostWhitelist {

    private record Stamp(FileTime modified, long size) {}

    private final Path file;
    private final Consumer<String> log;
    private Stamp stamp;
    private HostList list = HostList.EMPTY;

    public HostWhitelist(Path file, Consumer<String> log) {
        this.file = file;
        this.log = log;
    }

    /** The list as the file says now. */
    public synchronized HostList current() {
        Stamp now;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            now = new Stamp(a.lastModifiedTime(), a.size());
        } catch (NoSuchFileException e) {
            if (stamp == null || stamp.size >= 0) log.accept("whitelist " + file + " does not exist; no host is whitelisted");
            stamp = new Stamp(FileTime.fromMillis(0), -1);
            list = HostList.EMPTY;
            return list;
        } catch (IOException e) {
            // XXX keep the last good list: a transient read error must not unwhitelist everyone
            log.accept("whitelist " + file + " cannot be read (" + e.getMessage() + "); keeping the previous list");
            return list;
        }
        if (Objects.equals(now, stamp)) return list;
        try {
            list = HostList.parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8), log);
            stamp = now;
        } catch (IOException e) {
            log.accept("whitelist " + file + " cannot be read (" + e.getMessage() + "); keeping the previous list");
        }
        return list;
    }
}
