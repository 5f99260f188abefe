package warden.smtp.auth;

import org.junit.jupiter.api.Test;
import warden.mail.Cidr;
import warden.mail.Reply;
import warden.smtp.SmtpInput;
import warden.smtp.auth.AuthDialogue.Answered;
import warden.smtp.auth.AuthDialogue.Authenticated;
import warden.smtp.auth.AuthDialogue.Close;
import warden.smtp.auth.AuthDialogue.Gone;
import warden.smtp.auth.AuthDialogue.Outcome;
import warden.testing.TestClock;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One AUTH command from its argument to its outcome, against an in-memory backend. */
class AuthDialogueTest {

    static final InetAddress CLIENT = Cidr.literal("192.0.2.1");

    final List<String> log = new ArrayList<>();
    final List<Duration> pauses = new ArrayList<>();
    final List<Reply> challenges = new ArrayList<>();
    TestClock clock = new TestClock();
    AuthThrottle throttle = new AuthThrottle(3, Duration.ofMinutes(15), clock);

    private Outcome run(String argument, String... responses) throws Exception {
        Deque<String> script = new ArrayDeque<>(Arrays.asList(responses));
        AuthDialogue d = new AuthDialogue(new warden.testing.MemoryAuthenticator(), throttle, pauses::add, "mx.example.org", log::add, n -> { });
        return d.run(argument, CLIENT, new AuthDialogue.Lines() {
            @Override public String read() { return script.poll(); }
            @Override public void challenge(Reply reply) { challenges.add(reply); }
        });
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theRightPasswordAuthenticates() throws Exception {
        assertThat(run("PLAIN " + b64("\0alice\0s3cret")))
                .isEqualTo(new Authenticated("alice", SaslExchange.Mechanism.PLAIN, AuthReplies.SUCCEEDED));
        assertThat(run("LOGIN", b64("alice"), b64("s3cret")))
                .isEqualTo(new Authenticated("alice", SaslExchange.Mechanism.LOGIN, AuthReplies.SUCCEEDED));
        assertThat(challenges).extracting(Reply::wire).containsExactly("334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n");
        assertThat(log).isEmpty();
    }

    @Test
    void aWrongPasswordWaitsThen535AndIsOneLogLineWithoutThePassword() throws Exception {
        assertThat(run("PLAIN " + b64("\0alice\0wrong-pw"))).isEqualTo(new Answered(AuthReplies.INVALID_CREDENTIALS, false));
        assertThat(pauses).containsExactly(Duration.ofSeconds(1));
        assertThat(log).containsExactly("AUTH failed: PLAIN user=alice (wrong password): 535 5.7.8 Authentication credentials invalid");
    }

    @Test
    void failuresGrowTheDelayThenClose() throws Exception {
        run("PLAIN " + b64("\0alice\0x"));
        run("LOGIN", b64("mallory"), b64("y"));
        Outcome third = run("PLAIN " + b64("\0alice\0z"));
        assertThat(third).isInstanceOfSatisfying(Close.class, c -> assertThat(c.reply().toString()).startsWith("421 4.7.0"));
        assertThat(pauses).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(run("PLAIN " + b64("\0alice\0s3cret"))).as("blocked, even with the right password").isInstanceOf(Close.class);
        assertThat(log).hasSize(4).allMatch(l -> l.startsWith("AUTH failed: "));
        assertThat(String.join("\n", log)).doesNotContain("s3cret").contains("user=mallory (unknown user)");
    }

    @Test
    void anUnavailableBackendIs454AndNotCounted() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(run("PLAIN " + b64("\0ldap-down\0pw"))).isEqualTo(new Answered(AuthReplies.TEMPORARY_FAILURE, false));
        }
        assertThat(throttle.blocked(CLIENT)).isFalse();
        assertThat(pauses).isEmpty();
        assertThat(log.getFirst()).isEqualTo(
                "AUTH unavailable: PLAIN user=ldap-down (directory unreachable): 454 4.7.0 Temporary authentication failure; try again later");
    }

    @Test
    void aBackendThatThrowsIs454WithoutItsMessage() throws Exception {
        assertThat(run("PLAIN " + b64("\0crash\0topsecret"))).isEqualTo(new Answered(AuthReplies.TEMPORARY_FAILURE, false));
        assertThat(log.getFirst()).contains("internal error in memory: IllegalStateException").doesNotContain("topsecret");
    }

    @Test
    void protocolErrorsAreCountedAsErrorsNotAsFailures() throws Exception {
        assertThat(run("PLAIN", "not base64!")).isEqualTo(new Answered(AuthReplies.BAD_BASE64, true));
        assertThat(run("LOGIN", "*")).isEqualTo(new Answered(AuthReplies.CANCELLED, true));
        assertThat(run("PLAIN", SmtpInput.TOO_LONG)).isEqualTo(new Answered(AuthReplies.LINE_TOO_LONG, true));
        assertThat(run("PLAIN", SmtpInput.NOT_UTF8)).isEqualTo(new Answered(AuthReplies.BAD_BASE64, true));
        assertThat(run("X-UNKNOWN")).isEqualTo(new Answered(AuthReplies.UNKNOWN_MECHANISM, true));
        assertThat(throttle.blocked(CLIENT)).isFalse();
        assertThat(log).allMatch(l -> l.startsWith("AUTH aborted: "));
    }

    @Test
    void aClientGoneInTheMiddleIsGone() throws Exception {
        assertThat(run("LOGIN", b64("alice"))).isEqualTo(new Gone());
    }
}
