package warden.recipient;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.AsciiCase;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code local_users} file: the local mailbox names that clients outside {@code relay_networks}
 * may send to at {@code localhost}, our host name and the {@code local_domains}, before their
 * Maildir exists (Exim's {@code check_local_user}, without the passwd file).
 *
 * <pre>
 * # /etc/warden/local-users
 * patrick
 * francesca     # comments after a name are allowed
 * </pre>
 *
 * <p>One mailbox name per line, compared with ASCII case folding; {@code #} starts a comment;
 * blank lines are ignored. A line that is not a valid mailbox name ({@link LocalPart#isMailboxName}
 * after lowering ASCII: an address, two words, a path) is a {@link Problem} with the file and
 * line, logged once per change of the file and left out. A name given twice is reported too.
 *
 * <p>Re-read on change, as {@link VirtualDomains} ({@link Rechecked}): at most once per {@code recheck} interval a
 * lookup stats the file, and parses it again when its modification time, size or inode changed.
 * A file that cannot be read keeps the last good list; a file that does not exist names nobody.
 */
public final class LocalUsers {

    private static final Logger LOG = LoggerFactory.getLogger(LocalUsers.class);

    private final Path file;
    private final Rechecked<Snapshot> snapshots;

    /** One look at the file; {@code stamp} is null when there was no file (or it could not be read). */
    private record Snapshot(FileStamp stamp, Set<String> names, List<Problem> problems, Instant checkedAt) {
        boolean same(BasicFileAttributes a) {
            return stamp != null && problems.stream().noneMatch(p -> p.line() == 0) && stamp.same(a);
        }
    }

    /**
     * @param file the file (need not exist)
     * @param clock decides when to look at the file again
     * @param recheck how long a look at the file is trusted (1 s is a good value)
     */
    public LocalUsers(Path file, Clock clock, Duration recheck) {
        this.file = file;
        this.snapshots = new Rechecked<>(clock, recheck, this::reread, Snapshot::checkedAt);
    }

    /** The file this reads. */
    public Path file() { return file; }

    /** Whether the file names {@code user} (ASCII letters in any case). */
    public boolean contains(String user) {
        return snapshots.current().names().contains(AsciiCase.lower(user));
    }

    /** Everything wrong with the file, after reading it now. A missing file is a problem here. */
    public List<Problem> problems() {
        Snapshot s = snapshots.readNow();
        if (s.stamp() == null && s.problems().isEmpty()) {
            return List.of(new Problem(file.toString(), 0, "the local_users file does not exist",
                    "create it with one mailbox name per line, or remove local_users"));
        }
        return s.problems();
    }

    private Snapshot reread(Snapshot old, Instant now) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return new Snapshot(null, Set.of(), List.of(), now);
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + e.getMessage());
        }
        if (old != null && old.same(a)) {
            return new Snapshot(old.stamp(), old.names(), old.problems(), now);
        }
        if (!a.isRegularFile()) {
            return new Snapshot(FileStamp.of(a), Set.of(),
                    List.of(new Problem(file.toString(), 0, "is not a regular file",
                            "make local_users a file with one mailbox name per line")), now);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            return keep(old, now, "is not valid UTF-8");
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + e.getMessage());
        }
        List<Problem> problems = new ArrayList<>();
        Set<String> names = parse(file.toString(), lines, problems);
        for (Problem p : problems) LOG.warn("local_users: {}; the line is skipped", p);
        return new Snapshot(FileStamp.of(a), names, List.copyOf(problems), now);
    }

    /** A file that cannot be read now: the last good list stays in use, and the problem is reported. */
    private Snapshot keep(Snapshot old, Instant now, String message) {
        Problem p = new Problem(file.toString(), 0, message, "make it a readable UTF-8 file (names are ASCII)");
        LOG.warn("local_users: {}; keeping the previous list", p);
        return new Snapshot(null, old == null ? Set.of() : old.names(), List.of(p), now);
    }

    /** The names in {@code lines}, lower case; bad lines become problems naming {@code file}. */
    static Set<String> parse(String file, List<String> lines, List<Problem> problems) {
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (text.isEmpty()) continue;
            String name = AsciiCase.lower(text);
            if (!LocalPart.isMailboxName(name)) {
                String why = text.contains("@") ? "is an address; write the mailbox name alone"
                        : text.chars().anyMatch(Character::isWhitespace) ? "has more than one word; write one name per line"
                        : "is not a mailbox name (ASCII letters and digits, then . _ + = -, at most 64)";
                problems.add(new Problem(file, i + 1, "`" + text + "` " + why,
                        "write one mailbox name per line, such as `patrick`"));
                continue;
            }
            Integer first = names.putIfAbsent(name, i + 1);
            if (first != null) {
                problems.add(new Problem(file, i + 1, "`" + name + "` is already on line " + first,
                        "remove this line"));
            }
        }
        return Set.copyOf(names.keySet());
    }
}
