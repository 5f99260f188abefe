package warden.recipient;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The directory of virtual-domain files ({@code /etc/mail/virtual} in the seed), one file per
 * domain, re-read when a file changes, appears or disappears, without a restart.
 *
 * <p>A domain is ours when a regular file of that name (any case) exists in the directory, as
 * with Exim's {@code domains = dsearch;/etc/mail/virtual}. Its content is an {@link AliasTable}.
 *
 * <p>Reloading: at most once per {@code recheck} interval (by the injected clock) a lookup lists
 * the directory and stats each file; a file whose modification time, size or inode changed is
 * parsed again, the others are kept. One thread rescans while the others go on with the previous
 * snapshot, so a lookup never waits on the disk except the very first. Problems found while
 * parsing are logged as warnings once per change of the file; the bad lines are skipped.
 *
 * <p>Not done: watching with inotify (a stat per file per second is cheap and works on every file
 * system, NFS included). Hidden files and editor backups ({@code .name}, {@code name~}) are not
 * domains. If the directory cannot be listed for a moment, the last good snapshot stays in use.
 */
public final class VirtualDomains {

    private static final Logger LOG = LoggerFactory.getLogger(VirtualDomains.class);

    private final Path directory;
    private final Rechecked<Snapshot> snapshots;

    private record Loaded(Path file, FileTime modified, long size, Object key, AliasTable table,
                          List<Problem> problems) {
        /** Unchanged since it was read, and it could be read (a chmod does not change the mtime). */
        boolean same(BasicFileAttributes a) {
            return problems.stream().noneMatch(p -> p.line() == 0) && a.lastModifiedTime().equals(modified) && a.size() == size && Objects.equals(a.fileKey(), key);
        }
    }

    private record Snapshot(Map<String, Loaded> domains, List<Problem> problems, Instant checkedAt) {}

    /**
     * @param directory the directory of domain files; if it does not exist there are no virtual domains
     * @param clock decides when to look at the files again
     * @param recheck how long a look at the directory is trusted (1 s is a good value)
     */
    public VirtualDomains(Path directory, Clock clock, Duration recheck) {
        this.directory = directory;
        this.snapshots = new Rechecked<>(clock, recheck, this::rescan, Snapshot::checkedAt);
    }

    /** The directory this reads. */
    public Path directory() { return directory; }

    /** The table of {@code domain} (lower case, no trailing dot), or empty if it is not a virtual domain. */
    public Optional<AliasTable> table(String domain) {
        Loaded l = snapshots.current().domains().get(domain);
        return l == null ? Optional.empty() : Optional.of(l.table());
    }

    /** The virtual domains, lower case. */
    public Set<String> domains() {
        return Set.copyOf(snapshots.current().domains().keySet());
    }

    /** Everything wrong with the directory and its files, after looking at them now. */
    public List<Problem> problems() {
        Snapshot s = snapshots.readNow();
        List<Problem> all = new ArrayList<>(s.problems());
        s.domains().values().forEach(l -> all.addAll(l.problems()));
        return all;
    }

    private Snapshot rescan(Snapshot old, Instant now) {
        Map<String, Loaded> before = old == null ? Map.of() : old.domains();
        Map<String, Loaded> domains = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") || name.endsWith("~")) continue;
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (NoSuchFileException gone) {
                    continue; // removed while we listed
                }
                if (!a.isRegularFile()) continue;
                String domain = warden.mail.AsciiCase.lower(name);
                Loaded prev = before.get(domain);
                Loaded l = prev != null && prev.file().equals(file) && prev.same(a) ? prev : load(file, a);
                Loaded clash = domains.putIfAbsent(domain, l);
                if (clash != null) {
                    problems.add(new Problem(file.toString(), 0, "the domain " + domain + " has two files ("
                            + clash.file().getFileName() + " and " + name + "); only one is used",
                            "merge them into one file named " + domain));
                }
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            if (Files.exists(directory)) {
                problems.add(new Problem(directory.toString(), 0, "is not a directory",
                        "make it a directory with one file per virtual domain"));
            }
            return new Snapshot(Map.of(), problems, now);
        } catch (IOException e) {
            LOG.warn("cannot read the virtual domains in {}: {}; keeping the previous list", directory, e.toString());
            if (old != null) return new Snapshot(old.domains(), old.problems(), now);
            problems.add(new Problem(directory.toString(), 0, "cannot be read: " + e.getMessage(),
                    "make the directory readable by the user Warden runs as"));
            return new Snapshot(Map.of(), problems, now);
        }
        return new Snapshot(Map.copyOf(domains), List.copyOf(problems), now);
    }

    private static Loaded load(Path file, BasicFileAttributes a) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            return broken(file, a, "is not valid UTF-8", "save the file as UTF-8 (addresses are ASCII)");
        } catch (IOException e) {
            return broken(file, a, "cannot be read: " + e.getMessage(), "make it readable by the user Warden runs as");
        }
        AliasTable.Parsed p = AliasTable.parse(file.toString(), lines);
        for (Problem problem : p.problems()) LOG.warn("virtual domain file: {}; the line is skipped", problem);
        return new Loaded(file, a.lastModifiedTime(), a.size(), a.fileKey(), p.table(), p.problems());
    }

    private static Loaded broken(Path file, BasicFileAttributes a, String message, String fix) {
        Problem p = new Problem(file.toString(), 0, message, fix);
        LOG.warn("virtual domain file: {}; the domain has no addresses until it is fixed", p);
        return new Loaded(file, a.lastModifiedTime(), a.size(), a.fileKey(),
                new AliasTable(file.toString(), Map.of()), List.of(p));
    }
}
