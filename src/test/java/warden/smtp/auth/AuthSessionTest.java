package warden.smtp.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.policy.PolicyEngine;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * AUTH in the SMTP session, over a real loopback socket (RFC 4954): where it is offered, its
 * sequencing, hostile input, the throttle and what reaches the main log. The listener allows
 * AUTH without TLS here ({@code allow_plaintext_auth}) except where a test says otherwise.
 */
@Timeout(60)
class AuthSessionTest {

    static final String PLAINTEXT = """
            relay_networks: []
            listen:
              - {address: "127.0.0.1:0", allow_plaintext_auth: true}
            auth: {passwd_file: /nonexistent/passwd, max_failures: 2}
            """;

    TestSmtp smtp;
    final RecordingStore store = new RecordingStore();

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    private TestSmtp start(String yaml) throws Exception {
        var config = TestSmtp.parse(yaml);
        AuthServices auth = AuthServices.from(config.auth(), Optional.of(new warden.testing.MemoryAuthenticator()), Clock.systemUTC());
        smtp = new TestSmtp(yaml, PolicyEngine.permissive(), TestSmtp.EXAMPLE_TEST, store, UnaryOperator.identity(),
                s -> s.withAuth(auth));
        return smtp;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String plain(String user, String password) {
        return b64("\0" + user + "\0" + password);
    }

    @Test
    void authIsOfferedAndAcceptedWhereTheListenerAllowsItWithoutTls() throws Exception {
        start(PLAINTEXT);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250);
            assertThat(d.lastReply()).contains("250-AUTH PLAIN LOGIN");
            d.send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235, "2.7.0");
        }
    }

    @Test
    void authOutsideTlsIsRefusedWith538AndNotOffered() throws Exception {
        start("""
                relay_networks: []
                auth: {passwd_file: /nonexistent/passwd}
                """);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250);
            assertThat(String.join("\n", d.lastReply())).doesNotContain("AUTH");
            d.send("AUTH PLAIN " + plain("alice", "s3cret")).expect(538, "5.7.11 Encryption required");
            d.send("MAIL FROM:<a@example.org>").expect(250);
        }
    }

    @Test
    void withoutABackendAuthIsNeitherOfferedNorAccepted() throws Exception {
        smtp = new TestSmtp(PLAINTEXT.replace("auth: {passwd_file: /nonexistent/passwd, max_failures: 2}\n", ""), store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250);
            assertThat(String.join("\n", d.lastReply())).doesNotContain("AUTH");
            d.send("AUTH PLAIN " + plain("alice", "s3cret")).expect(503, "5.5.1");
        }
    }

    @Test
    void authTwiceAndAuthInATransactionAre503() throws Exception {
        start(PLAINTEXT);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("AUTH PLAIN " + plain("alice", "s3cret")).expect(503, "EHLO");
            d.send("EHLO client.example").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(503, "5.5.1 AUTH is not permitted during a mail transaction")
                    .send("RSET").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(503, "5.5.1 Already authenticated");
        }
    }

    @Test
    void loginInTwoStepsWithAnEmptyInitialResponseAndACancel() throws Exception {
        start(PLAINTEXT);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250)
                    .send("AUTH LOGIN").expect(334, "VXNlcm5hbWU6")
                    .send("*").expect(501, "5.0.0")
                    .send("AUTH LOGIN =").expect(334, "UGFzc3dvcmQ6")
                    .send("*").expect(501, "5.0.0")
                    .send("AUTH PLAIN").expect(334)
                    .send("not//base64!").expect(501, "5.5.2")
                    .send("AUTH PLAIN ***garbage***").expect(501, "5.5.2")
                    .send("AUTH LOGIN").expect(334, "VXNlcm5hbWU6")
                    .send(b64("alice")).expect(334, "UGFzc3dvcmQ6")
                    .send(b64("s3cret")).expect(235, "2.7.0");
        }
    }

    @Test
    void anAuthLineOver12288OctetsIs500_5_5_6AndTheSessionGoesOn() throws Exception {
        start(PLAINTEXT);
        String head = "AUTH PLAIN ";
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250);
            // 12 288 octets with CRLF: within the limit, so judged as BASE64 (it is not: 12 275 characters)
            d.send(head + "A".repeat(12_288 - 2 - head.length())).expect(501, "5.5.2");
            // 12 289 octets: over it
            d.send(head + "A".repeat(12_289 - 2 - head.length())).expect(500, "5.5.6");
            // a response to a challenge has the same limit
            d.send("AUTH PLAIN").expect(334).send("A".repeat(20_000)).expect(500, "5.5.6");
            // another command keeps RFC 5321's 512
            d.send("NOOP " + "x".repeat(600)).expect(500, "5.5.2");
            d.send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235);
        }
    }

    @Test
    void failuresAreDelayedThen421AndNoPasswordReachesTheLog() throws Exception {
        start(PLAINTEXT);
        String password = "Sup3r-S3cret!";
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250);
            long t0 = System.nanoTime();
            d.send("AUTH PLAIN " + plain("alice", password)).expect(535, "5.7.8");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the first failure waits 1 s").isGreaterThan(Duration.ofMillis(900));
            d.send("AUTH LOGIN").expect(334).send(b64("mallory")).expect(334).send(b64(password))
                    .expect(421, "4.7.0");
            assertThat(d.closedByServer()).isTrue();
        }
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(421, "Too many authentication failures");
        }
        String log = smtp.awaitLog("not checked");
        assertThat(log).doesNotContain(password).doesNotContain(b64(password)).doesNotContain(plain("alice", password))
                .doesNotContain("s3cret");
        assertThat(log).contains("H=localhost (client.example) [127.0.0.1] AUTH failed: PLAIN user=alice (wrong password): 535 5.7.8");
        assertThat(log).contains("AUTH failed: LOGIN user=mallory (unknown user): 421 4.7.0");
        // every failure line is one fail2ban finds, with the client's address
        long lines = log.lines().filter(l -> l.contains("AUTH failed")).count();
        assertThat(lines).isEqualTo(3);
        for (String line : log.lines().filter(l -> l.contains("AUTH failed")).toList()) {
            assertThat(AuthLogLineTest.banned(line)).contains("127.0.0.1");
        }
    }

    @Test
    void aBackendThatCannotAnswerIs454NeverA535() throws Exception {
        start(PLAINTEXT);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example").expect(250)
                    .send("AUTH PLAIN " + plain("ldap-down", "pw")).expect(454, "4.7.0")
                    .send("AUTH PLAIN " + plain("ldap-down", "pw")).expect(454, "4.7.0")
                    .send("AUTH PLAIN " + plain("ldap-down", "pw")).expect(454, "4.7.0")
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235);
        }
        assertThat(smtp.log()).contains("AUTH unavailable: PLAIN user=ldap-down (directory unreachable)").doesNotContain("AUTH failed");
    }
}
