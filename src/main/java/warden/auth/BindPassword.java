package warden.auth;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.log.Cause;
import warden.recipient.FileStamp;
import warden.recipient.Rechecked;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The LDAP service account's password, the first line of {@code auth.ldap.bind_password_file}
 * (as Postfix's and Dovecot's LDAP settings keep it out of the main configuration file). Read
 * at start and again when the file changes (looked at no more than once a second,
 * {@link Rechecked}), so a rotated password is used without a restart.
 *
 * <p>The line is taken as it is, spaces included; only the line end ({@code LF} or
 * {@code CRLF}) is dropped. An empty first line is a problem, not an empty password: a simple
 * bind with a DN and no password is an unauthenticated bind (RFC 4513 section 5.1.2), which
 * most directories accept without checking anything.
 *
 * <p>A file that cannot be read (any more) keeps the last password read and logs a warning; with
 * no password ever read, {@link #current()} says why, and the authenticator answers "could not
 * tell". The password is never in a log line, a problem or {@link #toString()}.
 *
 * <h2>Standards</h2>
 * RFC 4513 section 5.1 (simple bind; the unauthenticated mechanism an empty password selects).
 */
final class BindPassword {

    private static final Logger LOG = LoggerFactory.getLogger(BindPassword.class);

    private final Path file;
    private final Rechecked<Snapshot> snapshots;

    /** What one look at the file found: the password (or the last good one) and what is wrong, if anything. */
    record Snapshot(FileStamp stamp, Optional<String> password, Optional<String> problem, Instant checkedAt) {
        @Override
        public String toString() {
            return "BindPassword.Snapshot[" + (password.isPresent() ? "password read" : "no password") + problem.map(p -> ", " + p).orElse("") + "]";
        }
    }

    BindPassword(Path file, Clock clock, Duration recheck) {
        this.file = file;
        this.snapshots = new Rechecked<>(clock, recheck, this::reread, Snapshot::checkedAt);
    }

    Path file() {
        return file;
    }

    /** The password to bind with now, or why there is none. */
    Snapshot current() {
        return snapshots.current();
    }

    /** Reads the file now, whatever the interval (at start). */
    Snapshot readNow() {
        return snapshots.readNow();
    }

    private Snapshot reread(Snapshot old, Instant now) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + Cause.of(e));
        }
        if (old != null && old.stamp() != null && old.problem().isEmpty() && old.stamp().same(a)) {
            return new Snapshot(old.stamp(), old.password(), Optional.empty(), now);
        }
        if (!a.isRegularFile()) return keep(old, now, "is not a regular file");
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            return keep(old, now, "is not valid UTF-8");
        } catch (IOException e) {
            return keep(old, now, "cannot be read: " + Cause.of(e));
        }
        int end = text.indexOf('\n');
        String line = end < 0 ? text : text.substring(0, end);
        if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
        if (line.isEmpty()) {
            return keep(old, now, "has an empty first line (an LDAP bind with a DN and no password is an unauthenticated bind)");
        }
        if (old != null && old.password().isPresent() && !old.password().get().equals(line)) {
            LOG.info("auth.ldap.bind_password_file {} changed: binding with the new password from now on", file);
        }
        return new Snapshot(FileStamp.of(a), Optional.of(line), Optional.empty(), now);
    }

    /** The file cannot be used now: the last password read stays in use, and the problem is reported. */
    private Snapshot keep(Snapshot old, Instant now, String why) {
        String problem = "auth.ldap.bind_password_file " + file + " " + why;
        boolean again = old != null && old.problem().equals(Optional.of(problem));
        if (!again) {
            LOG.warn("{}{}", problem, old != null && old.password().isPresent() ? "; keeping the password read before" : "");
        }
        return new Snapshot(null, old == null ? Optional.empty() : old.password(), Optional.of(problem), now);
    }

    @Override
    public String toString() {
        return "BindPassword[" + file + "]";
    }
}
