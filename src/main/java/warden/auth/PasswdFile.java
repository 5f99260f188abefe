package warden.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.AsciiCase;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code auth.passwd_file}: the users who may submit mail, in Dovecot's passwd-file format, so
 * one file can serve Dovecot (IMAP) and Warden (SMTP AUTH).
 *
 * <pre>
 * # /etc/warden/passwd: user:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields
 * alice:{SHA512-CRYPT}$6$mBqUL1gUEnYsrB9T$...
 * bob:{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$...$...::::::nologin
 * </pre>
 *
 * <p>Only the first two fields are required; the rest are Dovecot's and are read but not used,
 * except the extra field {@code nologin}, which refuses the user as Dovecot does. A line starting
 * with {@code #} is a comment; blank lines are ignored. The schemes are {@link PasswordScheme}'s; a
 * password without {@code {SCHEME}} is {@code {CRYPT}} (Dovecot's passwd-file default).
 *
 * <p><b>User names</b> are looked up as Dovecot does by default: the login is lowered (ASCII, its
 * {@code auth_username_format = %Lu}), then compared exactly with the file's names. A name in the
 * file with upper-case letters could therefore never log in, in Dovecot or here: it is a problem
 * line. A name that appears twice keeps its first line, as in Dovecot.
 *
 * <p><b>Bad lines</b> (an unknown scheme, a hash that does not fit its scheme) leave that user
 * unable to log in; each is a {@link Problem} naming file, line and fix, logged once per version of
 * the file and never quoting the hash. {@code config check} and {@code doctor} print them as
 * warnings ({@link #warnings()}): the other users can log in.
 *
 * <p><b>Reloading</b>: at most once per {@code recheck} interval a login stats the file
 * ({@link Rechecked}, {@link FileStamp}) and parses it again when it changed. A file that becomes
 * unreadable or disappears keeps the last good version (logged); a file never read is
 * {@link Result.Unavailable}, the only case this backend cannot tell.
 *
 * <p><b>Timing</b>: an unknown user, or one without a usable password, is checked against a real
 * hash of the file (the first usable one) and the answer discarded, so that a wrong name costs
 * about what a wrong password costs.
 *
 * <h2>Standards</h2>
 * <ul>
 * <li>Dovecot, "Passwd-file" and "Password Schemes" (doc.dovecot.org); {@code auth_username_format}.</li>
 * <li>RFC 4954 (SMTP AUTH): the session this answers for.</li>
 * </ul>
 */
public final class PasswdFile implements Authenticator {

    private static final Logger LOG = LoggerFactory.getLogger(PasswdFile.class);

    /** The format, for fixes. */
    public static final String FORMAT = "user:{SHA512-CRYPT}hash lines, as `warden passwd USER` prints them";

    private final Path file;
    private final Rechecked<Snapshot> snapshots;

    /** One user: their line, the stored password (null when it is unusable), and Dovecot's nologin. */
    record Entry(String user, int line, PasswordScheme scheme, String hash, boolean nologin) {
        boolean usable() {
            return scheme != null;
        }
    }

    /**
     * One look at the file. {@code users} is null when it was never read; {@code stamp} null when
     * this look could not read it (the users are then the last good ones).
     */
    private record Snapshot(FileStamp stamp, Map<String, Entry> users, Entry dummy, List<Problem> problems, Instant checkedAt) {
        boolean same(BasicFileAttributes a) {
            return stamp != null && stamp.same(a);
        }
    }

    /**
     * @param file the passwd-file
     * @param clock decides when to look at the file again
     * @param recheck how long a look at the file is trusted (1 s is a good value)
     */
    public PasswdFile(Path file, Clock clock, Duration recheck) {
        this.file = file;
        this.snapshots = new Rechecked<>(clock, recheck, this::reread, Snapshot::checkedAt);
    }

    /** The file this reads. */
    public Path file() {
        return file;
    }

    @Override
    public Result authenticate(String user, String password) {
        Snapshot s = snapshots.current();
        if (s.users() == null) {
            return new Result.Unavailable("passwd-file " + file + " cannot be read: " + s.problems().getFirst().message());
        }
        byte[] octets = password.getBytes(StandardCharsets.UTF_8);
        Entry e = s.users().get(AsciiCase.lower(user));
        if (e == null || !e.usable()) {
            if (s.dummy() != null) s.dummy().scheme().matches(s.dummy().hash(), octets); // the same work as a wrong password
            return new Result.Rejected(e == null ? "no such user in " + file
                    : "the password on " + file + ":" + e.line() + " cannot be checked (see config check)");
        }
        boolean right;
        try {
            right = e.scheme().matches(e.hash(), octets);
        } catch (RuntimeException ex) {
            LOG.warn("passwd-file {}:{}: the stored hash could not be checked ({})", file, e.line(), ex.getClass().getSimpleName());
            right = false;
        }
        if (!right) return new Result.Rejected("wrong password");
        if (e.nologin()) return new Result.Rejected("nologin is set on " + file + ":" + e.line());
        return new Result.Accepted(e.user());
    }

    @Override
    public String describe() {
        return "passwd-file " + file;
    }

    /**
     * What keeps the whole file from being used, after reading it now: missing, unreadable, not a
     * file. {@code config check} refuses these and {@code serve} does not start on them.
     */
    public List<Problem> problems() {
        return snapshots.readNow().problems().stream().filter(p -> p.line() == 0).toList();
    }

    /**
     * What is wrong with single lines, after reading the file now, in line order: users who cannot
     * log in (an unknown scheme, a broken hash, a name in upper case, a line given twice) and users
     * whose password is stored in clear text ({PLAIN}, {CLEARTEXT}). {@code config check} and
     * {@code doctor} warn about these without refusing: the other users work, and a file shared
     * with Dovecot may hold schemes only Dovecot reads.
     */
    public List<Problem> warnings() {
        Snapshot s = snapshots.readNow();
        if (s.users() == null) return List.of();
        List<Problem> out = new ArrayList<>(s.problems().stream().filter(p -> p.line() > 0).toList());
        s.users().values().stream().filter(e -> e.usable() && e.scheme().cleartext())
                .map(e -> new Problem(file.toString(), e.line(), "`" + e.user() + "` has a {" + e.scheme().label()
                        + "} password: anyone who reads this file can log in as them",
                        "replace it with the line `warden passwd " + e.user() + "` prints"))
                .forEach(out::add);
        out.sort(java.util.Comparator.comparingInt(Problem::line));
        return List.copyOf(out);
    }

    private Snapshot reread(Snapshot old, Instant now) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return keep(old, now, "does not exist");
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + e.getMessage());
        }
        if (old != null && old.same(a)) {
            return new Snapshot(old.stamp(), old.users(), old.dummy(), old.problems(), now);
        }
        if (!a.isRegularFile()) return keep(old, now, "is not a regular file");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            return keep(old, now, "is not valid UTF-8");
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + e.getMessage());
        }
        List<Problem> problems = new ArrayList<>();
        Map<String, Entry> users = parse(file.toString(), lines, problems);
        for (Problem p : problems) LOG.warn("auth.passwd_file: {}", p);
        Entry dummy = users.values().stream().filter(Entry::usable).filter(e -> !e.scheme().cleartext())
                .min(java.util.Comparator.comparingInt(Entry::line)).orElse(null);
        LOG.info("auth.passwd_file: {} read, {} users", file, users.size());
        return new Snapshot(FileStamp.of(a), Map.copyOf(users), dummy, List.copyOf(problems), now);
    }

    /** A file that cannot be read now: the last good users stay (logged once per change of state). */
    private Snapshot keep(Snapshot old, Instant now, String message) {
        Problem p = new Problem(file.toString(), 0, message, "make it a readable file of " + FORMAT);
        boolean known = old != null && old.stamp() == null && old.problems().equals(List.of(p));
        if (!known) {
            if (old == null || old.users() == null) LOG.warn("auth.passwd_file: {}; nobody can log in until it can be read", p);
            else LOG.warn("auth.passwd_file: {}; keeping the version read before ({} users)", p, old.users().size());
        }
        return new Snapshot(null, old == null ? null : old.users(), old == null ? null : old.dummy(), List.of(p), now);
    }

    /**
     * The users of {@code lines} by name; bad lines become problems naming {@code file} and the
     * line (never the hash). Users whose password cannot be checked are kept, unusable, so that
     * their logins are refused with the reason.
     */
    static Map<String, Entry> parse(String file, List<String> lines, List<Problem> problems) {
        Map<String, Entry> users = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int number = i + 1;
            if (line.isBlank() || line.startsWith("#")) continue; // Dovecot: '#' in the first column
            String[] fields = line.split(":", -1);
            String user = fields[0];
            if (user.isEmpty()) {
                problems.add(new Problem(file, number, "the line has no user name before the first `:`", "write " + FORMAT));
                continue;
            }
            if (user.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                problems.add(new Problem(file, number, "the user name has spaces or control characters",
                        "write the name alone before the first `:`"));
                continue;
            }
            if (!user.equals(AsciiCase.lower(user))) {
                problems.add(new Problem(file, number, "`" + user + "` has upper-case letters, but logins are lowered first"
                        + " (Dovecot's default auth_username_format %Lu), so it could never log in", "write the name in lower case"));
                continue;
            }
            Entry first = users.get(user);
            if (first != null) {
                problems.add(new Problem(file, number, "`" + user + "` is already on line " + first.line() + ", which is used",
                        "remove this line"));
                continue;
            }
            boolean nologin = fields.length >= 8 && List.of(String.join(":", List.of(fields).subList(7, fields.length)).split("\\s+"))
                    .contains("nologin");
            if (fields.length < 2 || fields[1].isEmpty()) {
                problems.add(new Problem(file, number, "`" + user + "` has no password, so they cannot log in",
                        "add the password field: the line `warden passwd " + user + "` prints"));
                users.put(user, new Entry(user, number, null, null, nologin));
                continue;
            }
            Optional<Entry> entry = entry(file, number, user, fields[1], nologin, problems);
            users.put(user, entry.orElse(new Entry(user, number, null, null, nologin)));
        }
        return users;
    }

    private static Optional<Entry> entry(String file, int number, String user, String field, boolean nologin, List<Problem> problems) {
        String fix = "replace the password with the one `warden passwd " + user + "` prints"
                + " (SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID, ARGON2I, CRYPT or PLAIN)";
        PasswordScheme scheme = PasswordScheme.CRYPT;
        String hash = field;
        if (field.startsWith("{")) {
            int close = field.indexOf('}');
            if (close < 0) {
                problems.add(new Problem(file, number, "`" + user + "`: the password scheme has no closing `}`; " + user
                        + " cannot log in", fix));
                return Optional.empty();
            }
            String name = field.substring(1, close);
            Optional<PasswordScheme> known = PasswordScheme.named(name);
            if (known.isEmpty()) {
                String shown = name.length() <= 24 && name.chars().allMatch(c -> c > ' ' && c < 0x7f) ? name : "?";
                problems.add(new Problem(file, number, "`" + user + "`: unknown password scheme {" + shown + "}; " + user
                        + " cannot log in", fix));
                return Optional.empty();
            }
            scheme = known.get();
            hash = field.substring(close + 1);
        }
        Optional<String> wrong = scheme.problem(hash);
        if (wrong.isPresent()) {
            problems.add(new Problem(file, number, "`" + user + "`: " + wrong.get() + "; " + user + " cannot log in", fix));
            return Optional.empty();
        }
        return Optional.of(new Entry(user, number, scheme, hash, nologin));
    }
}
