package warden.smtp.auth;

import org.junit.jupiter.api.Test;
import warden.smtp.auth.SaslExchange.Mechanism;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AUTH failure line and the fail2ban filter README documents
 * ({@code packaging/fail2ban/filter.d/warden-auth.conf}): the same expression, with fail2ban's
 * {@code <HOST>} as a group, finds the client's address and nothing a client wrote.
 */
class AuthLogLineTest {

    /** The filter's failregex as a Java pattern, applied (as fail2ban does) to the line after its date. */
    static Pattern failregex() throws Exception {
        String conf = Files.readString(Path.of("packaging/fail2ban/filter.d/warden-auth.conf"));
        Matcher m = Pattern.compile("(?m)^failregex = (.*)$").matcher(conf);
        assertThat(m.find()).isTrue();
        return Pattern.compile(m.group(1).strip().replace("<HOST>", "(?<host>[^\\]]+)"));
    }

    /** The client address fail2ban would ban for a main-log line, if any. */
    static Optional<String> banned(String logLine) throws Exception {
        Matcher m = failregex().matcher(logLine.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d", ""));
        return m.find() ? Optional.of(m.group("host")) : Optional.empty();
    }

    @Test
    void aFailureIsOneLineWithTheEscapedUserAndTheReply() {
        String event = AuthLogLine.failed(Optional.of(Mechanism.PLAIN), Optional.of("al ice\r\n[192.0.2.9]"), "wrong password",
                AuthReplies.INVALID_CREDENTIALS);
        assertThat(event).isEqualTo(
                "AUTH failed: PLAIN user=al\\x20ice\\x0d\\x0a[192.0.2.9] (wrong password): 535 5.7.8 Authentication credentials invalid");
    }

    @Test
    void theFilterFindsTheClientAndNotWhatTheClientWrote() throws Exception {
        String prefix = "2026-12-03 04:20:00 H=mail.example.org (a)\\x20[192.0.2.66]\\x20(b) [2001:db8::1] ";
        String failed = AuthLogLine.failed(Optional.of(Mechanism.LOGIN), Optional.of("x [192.0.2.9]"), "unknown user",
                AuthReplies.INVALID_CREDENTIALS);
        assertThat(banned(prefix + failed)).contains("2001:db8::1");
        assertThat(banned("2026-12-03 04:20:00 H=() [192.0.2.1] " + failed)).contains("192.0.2.1");
        assertThat(banned("2026-12-03 04:20:00 H=(laptop) [192.0.2.1] "
                + AuthLogLine.failed(Optional.of(Mechanism.PLAIN), Optional.empty(), "too many failures",
                AuthReplies.tooManyFailures("mx.example.org")))).contains("192.0.2.1");
    }

    @Test
    void aBackendOutageOrAnAbortBansNobody() throws Exception {
        String unavailable = AuthLogLine.unavailable(Optional.of(Mechanism.PLAIN), Optional.of("bob"), "ldap down",
                AuthReplies.TEMPORARY_FAILURE);
        assertThat(banned("2026-12-03 04:20:00 H=(laptop) [192.0.2.1] " + unavailable)).isEmpty();
        String aborted = AuthLogLine.aborted(Optional.of(Mechanism.PLAIN), "cancelled by the client", AuthReplies.CANCELLED);
        assertThat(banned("2026-12-03 04:20:00 H=(laptop) [192.0.2.1] " + aborted)).isEmpty();
        assertThat(banned("2026-12-03 04:20:00 H=(x) [192.0.2.4] rejected RCPT <a@b>: 550 5.1.1 AUTH failed: x")).isEmpty();
    }
}
