package warden.smtp.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.AsciiCase;
import warden.mail.MailPath;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code auth.sender_login} file: which logins own which envelope senders, as Postfix's
 * {@code smtpd_sender_login_maps}.
 *
 * <pre>
 * # /etc/warden/sender-login
 * alice@example.org:     alice
 * sales@example.org:     alice, bob     # a shared address
 * &#64;example.net:          carol          # every address of the domain
 * </pre>
 *
 * <p>An address is looked up whole (ASCII case ignored, as Postfix's tables lower the key), then
 * its {@code @domain}; the first line found names the owners. Logins are compared ignoring ASCII
 * case, since directories (LDAP {@code uid}) do.
 *
 * <p>{@link #mayUse} is {@code reject_sender_login_mismatch}: an authenticated client may send only
 * from an address its login owns (an address nobody owns is refused too); an unauthenticated
 * client may not send from an address somebody owns (a forgery of our own user's address). The
 * null sender {@code <>} is allowed to everyone: it owns no address, and a mail program sends
 * bounces and read receipts with it; Postfix does not look it up either. Clients in
 * {@code relay_networks} (local programs, {@code warden sendmail}) are the session's business: it
 * asks only about authenticated clients and unauthenticated clients outside {@code relay_networks}.
 *
 * <p>Re-read on change ({@link Rechecked}, as {@code local_users}): at most once per
 * {@code recheck} interval; a bad line is a {@link Problem} naming file, line and fix, logged
 * and skipped; a file that cannot be read keeps the last good map; a missing file owns nothing.
 *
 * <h2>Standards</h2>
 * RFC 6409 section 6.1 (a submission server may check that the sender is one the user may use);
 * RFC 5321 4.5.5 (the null reverse-path).
 */
public final class SenderLogins {

    private static final Logger LOG = LoggerFactory.getLogger(SenderLogins.class);
    private static final Pattern LIST = Pattern.compile("[,\\s]+");

    private final Path file;
    private final Rechecked<Snapshot> snapshots;

    private record Snapshot(FileStamp stamp, Map<String, Set<String>> owners, List<Problem> problems, Instant checkedAt) {
        boolean same(BasicFileAttributes a) {
            return stamp != null && problems.stream().noneMatch(p -> p.line() == 0) && stamp.same(a);
        }
    }

    /**
     * @param file the file (need not exist)
     * @param clock decides when to look at the file again
     * @param recheck how long a look at the file is trusted (1 s is a good value)
     */
    public SenderLogins(Path file, Clock clock, Duration recheck) {
        this.file = file;
        this.snapshots = new Rechecked<>(clock, recheck, this::reread, Snapshot::checkedAt);
    }

    public Path file() {
        return file;
    }

    /**
     * Whether a client logged in as {@code login} (empty: not authenticated) may use
     * {@code sender} (without brackets, {@code ""} for the null sender) as its envelope sender.
     */
    public boolean mayUse(Optional<String> login, String sender) {
        if (sender.isEmpty()) return true;
        Optional<Set<String>> owners = owners(sender);
        if (login.isEmpty()) return owners.isEmpty();
        String me = AsciiCase.lower(login.get());
        return owners.map(o -> o.contains(me)).orElse(false);
    }

    /** The logins (lower case) that own {@code sender}: its own line, else its domain's; empty if none. */
    public Optional<Set<String>> owners(String sender) {
        Map<String, Set<String>> map = snapshots.current().owners();
        String address = AsciiCase.lower(sender);
        Set<String> owners = map.get(address);
        int at = address.lastIndexOf('@');
        if (owners == null && at >= 0) owners = map.get(address.substring(at));
        return Optional.ofNullable(owners);
    }

    /** Everything wrong with the file, after reading it now. A missing file is a problem here. */
    public List<Problem> problems() {
        Snapshot s = snapshots.readNow();
        if (s.stamp() == null && s.problems().isEmpty()) {
            return List.of(new Problem(file.toString(), 0, "the auth.sender_login file does not exist",
                    "create it with lines such as `alice@example.org: alice`, or remove auth.sender_login"));
        }
        return s.problems();
    }

    private Snapshot reread(Snapshot old, Instant now) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return new Snapshot(null, Map.of(), List.of(), now);
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + e.getMessage());
        }
        if (old != null && old.same(a)) return new Snapshot(old.stamp(), old.owners(), old.problems(), now);
        if (!a.isRegularFile()) {
            return new Snapshot(FileStamp.of(a), Map.of(), List.of(new Problem(file.toString(), 0, "is not a regular file",
                    "make auth.sender_login a file with lines such as `alice@example.org: alice`")), now);
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
        Map<String, Set<String>> owners = parse(file.toString(), lines, problems);
        for (Problem p : problems) LOG.warn("auth.sender_login: {}; the line is skipped", p);
        return new Snapshot(FileStamp.of(a), owners, List.copyOf(problems), now);
    }

    private Snapshot keep(Snapshot old, Instant now, String message) {
        Problem p = new Problem(file.toString(), 0, message, "make it a readable UTF-8 file");
        LOG.warn("auth.sender_login: {}; keeping the previous map", p);
        return new Snapshot(null, old == null ? Map.of() : old.owners(), List.of(p), now);
    }

    /** The map in {@code lines}: lower-case address or {@code @domain} to lower-case logins; bad lines become problems. */
    static Map<String, Set<String>> parse(String file, List<String> lines, List<Problem> problems) {
        Map<String, Set<String>> owners = new HashMap<>();
        Map<String, Integer> firstLine = new HashMap<>();
        String example = "write `alice@example.org: alice, bob` or `@example.org: alice`";
        for (int i = 0; i < lines.size(); i++) {
            String text = stripComment(lines.get(i)).strip();
            if (text.isEmpty()) continue;
            int n = i + 1;
            int colon = text.indexOf(':');
            if (colon < 0) {
                problems.add(new Problem(file, n, "`" + text + "` has no `:` between the address and its logins", example));
                continue;
            }
            String key = text.substring(0, colon).strip();
            String rest = text.substring(colon + 1).strip();
            Optional<String> why = badKey(key);
            if (why.isPresent()) {
                problems.add(new Problem(file, n, "`" + key + "` " + why.get(), example));
                continue;
            }
            Set<String> logins = new LinkedHashSet<>();
            for (String login : LIST.split(rest)) if (!login.isEmpty()) logins.add(AsciiCase.lower(login));
            if (logins.isEmpty()) {
                problems.add(new Problem(file, n, "`" + key + "` names no login", example));
                continue;
            }
            String lower = AsciiCase.lower(key);
            Integer first = firstLine.putIfAbsent(lower, n);
            if (first != null) {
                problems.add(new Problem(file, n, "`" + key + "` is already on line " + first,
                        "put all its logins on line " + first + ", separated by commas, and remove this line"));
                continue;
            }
            owners.put(lower, Set.copyOf(logins));
        }
        return Map.copyOf(owners);
    }

    /** A {@code #} at the start or after white space begins a comment ({@code #} may be part of a local part). */
    private static String stripComment(String line) {
        for (int i = 0; i < line.length(); i++) {
            if (line.charAt(i) == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) return line.substring(0, i);
        }
        return line;
    }

    private static Optional<String> badKey(String key) {
        if (key.isEmpty()) return Optional.of("is empty: the line must start with an address");
        if (key.startsWith("<")) return Optional.of("is in angle brackets; write the address alone");
        if (key.startsWith("@")) {
            String domain = key.substring(1);
            return MailPath.validDomain(domain) ? Optional.empty()
                    : Optional.of("is not a domain after `@`");
        }
        if (!key.contains("@")) return Optional.of("is not an address (no `@`); write the whole address, or `@domain` for a domain");
        try {
            MailPath p = MailPath.parse("<" + key + ">", true);
            if (p.domain().isEmpty()) return Optional.of("has no domain");
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a valid address");
        }
    }
}
