package warden.outbound;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.recipient.FileStamp;
import warden.recipient.Problem;
import warden.recipient.Rechecked;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code smarthost_credentials} file, in the format of Debian exim4's
 * {@code /etc/exim4/passwd.client} (exim4-config_files(5)), so that the file of seed 004's
 * smarthost setup can be used as it is:
 * <pre>
 * # comment
 * target.mail.server.example:login:password
 * *.provider.example:login:password
 * *:login:password
 * </pre>
 *
 * <p>Read as Exim's {@code nwildlsearch} lookup of Debian's authenticators reads it: the lines
 * are tried in file order and the first whose key matches the host wins; keys match case
 * insensitively; a key is a host name, {@code *} (any host), {@code *suffix} (a host ending in
 * {@code suffix}, so {@code *.provider.example} is every host under provider.example), or
 * {@code ^regex} (a regular expression, searched, case-insensitive); a key with a colon (an IPv6
 * address) is written in double quotes. After the key come an optional colon and white space,
 * then the data: the login is up to the first colon, the password <em>everything after it</em>,
 * colons included (Debian's {@code ${sg{PASSWDLINE}{\N([^:]+:)(.*)\N}{\$2}}}), so a login cannot
 * hold a colon and a password can. Trailing white space is dropped, as lsearch does. Lines
 * starting with {@code #} and blank lines are skipped.
 *
 * <p>The host looked up is the next hop as configured ({@code mail.provider.example} for
 * {@code "[mail.provider.example]:587"}, the address text for a literal), not the reverse DNS
 * name Debian's Exim looks up (exim4-config_files(5) calls that "inevitably wrong" for a CNAME or
 * a mismatched PTR).
 *
 * <p>The file is re-read when it changes (at most once a second, {@link Rechecked}). A bad line is
 * a {@link Problem} with file, line and fix ({@code config check}, and a warning in the log); the
 * line is skipped. A file others may read is warned about: it holds passwords in clear text
 * (Debian installs it {@code root:Debian-exim 0640}). A password is never in a problem, a log line
 * or {@link Credentials#toString()}.
 *
 * <p>Not done: Exim's {@code partial-} keys and line continuations (a line that starts with white
 * space is a problem here, not a continuation); per-sender credentials.
 */
public final class PasswdClient implements CredentialSource {

    private static final Logger LOG = LoggerFactory.getLogger(PasswdClient.class);
    private static final String FORMAT = "host:login:password, as Debian's /etc/exim4/passwd.client";

    private final Path file;
    private final Rechecked<Snapshot> snapshots;

    /** One usable line: how its key matches, and what it gives. */
    record Entry(int line, String key, Credentials credentials, Optional<Pattern> regex) {
        boolean matches(String host) {
            if (regex.isPresent()) return regex.get().matcher(host).find();
            if (key.equals("*")) return true;
            if (key.startsWith("*")) return host.endsWith(key.substring(1));
            return host.equals(key);
        }
    }

    /** One look at the file; {@code stamp} is null when there was no file (or it could not be read). */
    private record Snapshot(FileStamp stamp, List<Entry> entries, List<Problem> problems, Optional<String> warning,
                            Instant checkedAt) {
        boolean same(BasicFileAttributes a) {
            return stamp != null && problems.stream().noneMatch(p -> p.line() == 0) && stamp.same(a);
        }
    }

    /**
     * @param file the passwd.client file (need not exist yet)
     * @param clock decides when to look at the file again
     * @param recheck how long one look at the file is trusted (1 s is a good value)
     */
    public PasswdClient(Path file, Clock clock, Duration recheck) {
        this.file = file;
        this.snapshots = new Rechecked<>(clock, recheck, this::reread, Snapshot::checkedAt);
    }

    /** The credentials of {@code config}'s {@code smarthost_credentials}, or {@link CredentialSource#NONE}. */
    public static CredentialSource from(warden.config.WardenConfig config, Clock clock) {
        return config.smarthostCredentials().<CredentialSource>map(f -> new PasswdClient(f, clock, Duration.ofSeconds(1)))
                .orElse(CredentialSource.NONE);
    }

    public Path file() {
        return file;
    }

    @Override
    public Optional<Credentials> lookup(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        for (Entry e : snapshots.current().entries()) {
            if (e.matches(h)) return Optional.of(e.credentials());
        }
        return Optional.empty();
    }

    /** Everything wrong with the file, read now (for {@code config check}); a missing file is one. */
    public List<Problem> problems() {
        Snapshot s = snapshots.readNow();
        if (s.stamp() == null && s.problems().isEmpty()) {
            return List.of(new Problem(file.toString(), 0, "the smarthost_credentials file does not exist",
                    "create it (" + FORMAT + ") or correct the path"));
        }
        return s.problems();
    }

    /** Why the file is too open (others may read the passwords), read now; empty when it is not. */
    public Optional<String> modeWarning() {
        return snapshots.readNow().warning();
    }

    private Snapshot reread(Snapshot old, Instant now) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return new Snapshot(null, List.of(), List.of(), Optional.empty(), now);
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + e.getMessage());
        }
        if (old != null && old.same(a)) {
            Optional<String> warning = modeWarning(file); // chmod leaves the modification time alone
            if (warning.isPresent() && old.warning().isEmpty()) LOG.warn("smarthost_credentials: {}", warning.get());
            return new Snapshot(old.stamp(), old.entries(), old.problems(), warning, now);
        }
        if (!a.isRegularFile()) {
            return new Snapshot(FileStamp.of(a), List.of(),
                    List.of(new Problem(file.toString(), 0, "is not a regular file", "point smarthost_credentials at a file: " + FORMAT)),
                    Optional.empty(), now);
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
        List<Entry> entries = parse(file.toString(), lines, problems);
        for (Problem p : problems) LOG.warn("smarthost_credentials: {}; the line is skipped", p);
        Optional<String> warning = modeWarning(file);
        warning.ifPresent(w -> LOG.warn("smarthost_credentials: {}", w));
        return new Snapshot(FileStamp.of(a), entries, List.copyOf(problems), warning, now);
    }

    /** A file that cannot be read now: the last good entries stay in use, and the problem is reported. */
    private Snapshot keep(Snapshot old, Instant now, String message) {
        Problem p = new Problem(file.toString(), 0, message, "make it a UTF-8 file the user Warden runs as can read");
        LOG.warn("smarthost_credentials: {}; keeping the previous entries", p);
        return new Snapshot(null, old == null ? List.of() : old.entries(), List.of(p),
                old == null ? Optional.empty() : old.warning(), now);
    }

    static Optional<String> modeWarning(Path file) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (!mode.contains(PosixFilePermission.OTHERS_READ)) return Optional.empty();
            return Optional.of(file + " holds passwords in clear text and every user of this host may read it ("
                    + PosixFilePermissions.toString(mode) + "); fix: chmod 640 " + file + " (or 600), owned by the user"
                    + " or group Warden runs as");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty(); // no POSIX modes here: nothing to say
        }
    }

    /** The usable entries of {@code lines}, in order; bad lines become problems naming {@code file} (never a password). */
    static List<Entry> parse(String file, List<String> lines, List<Problem> problems) {
        List<Entry> out = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String line = lines.get(i).stripTrailing();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (Character.isWhitespace(line.charAt(0))) {
                problems.add(new Problem(file, n, "starts with white space (Exim would read it as a continuation of the line"
                        + " before)", "start the line with the host, or with # for a comment"));
                continue;
            }
            String key;
            int at;
            if (line.startsWith("\"")) {
                StringBuilder k = new StringBuilder();
                at = 1;
                while (at < line.length() && line.charAt(at) != '"') {
                    if (line.charAt(at) == '\\' && at + 1 < line.length()) at++;
                    k.append(line.charAt(at++));
                }
                if (at >= line.length()) {
                    problems.add(new Problem(file, n, "the quoted host has no closing \"", "write \"host\":login:password"));
                    continue;
                }
                at++;
                key = k.toString();
            } else {
                at = 0;
                while (at < line.length() && line.charAt(at) != ':' && !Character.isWhitespace(line.charAt(at))) at++;
                key = line.substring(0, at);
            }
            while (at < line.length() && Character.isWhitespace(line.charAt(at))) at++;
            if (at < line.length() && line.charAt(at) == ':') {
                at++;
                while (at < line.length() && Character.isWhitespace(line.charAt(at))) at++;
            }
            String data = line.substring(at);
            int colon = data.indexOf(':');
            String shown = "the entry for '" + warden.mail.ClientText.escape(key) + "'";
            if (key.isEmpty()) {
                problems.add(new Problem(file, n, "has no host", "write " + FORMAT));
                continue;
            }
            if (colon < 0) {
                problems.add(new Problem(file, n, shown + " has no password (no ':' after the login)", "write " + FORMAT));
                continue;
            }
            if (colon == 0) {
                problems.add(new Problem(file, n, shown + " has an empty login", "write " + FORMAT));
                continue;
            }
            if (colon == data.length() - 1) {
                problems.add(new Problem(file, n, shown + " has an empty password", "write " + FORMAT));
                continue;
            }
            String normal = key.toLowerCase(Locale.ROOT);
            if (normal.endsWith(".") && !normal.startsWith("^")) normal = normal.substring(0, normal.length() - 1);
            Optional<Pattern> regex = Optional.empty();
            if (normal.startsWith("^")) {
                try {
                    regex = Optional.of(Pattern.compile(key, Pattern.CASE_INSENSITIVE));
                } catch (PatternSyntaxException e) {
                    problems.add(new Problem(file, n, shown + " is not a valid regular expression: " + e.getDescription(),
                            "correct the expression, or write the host name"));
                    continue;
                }
            }
            Integer earlier = firstLine.putIfAbsent(normal, n);
            if (earlier != null) {
                problems.add(new Problem(file, n, shown + " is already on line " + earlier + ", which is the one used",
                        "remove one of the two"));
                continue;
            }
            out.add(new Entry(n, normal, new Credentials(data.substring(0, colon), data.substring(colon + 1)), regex));
        }
        return List.copyOf(out);
    }
}
