package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warden.testing.Dialogue;
import warden.testing.TestDnsServer;
import warden.testing.TestSmtp;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The early-talker test over a real socket: during {@code policy.banner_delay} the session watches
 * the socket, and a client that sends before the 220 is judged by {@code checks.early-talker}.
 */
class EarlyTalkerTest {

    TestDnsServer dns;
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
        if (dns != null) dns.close();
    }

    private void start(String rejectAt) throws Exception {
        dns = TestDnsServer.start();
        // policy.banner_delay is the session's banner delay too (SmtpSettings.from)
        smtp = TestSmtp.withDialoguePolicy("relay_networks: []\n"
                + "policy: {banner_delay: 1s, max_delay: 1s, reject_at: " + rejectAt + "}\n", dns, line -> { });
    }

    @Test
    void aClientThatTalksFirstIsRefusedInsteadOfGreeted() throws Exception {
        start("helo");
        try (Dialogue d = smtp.dialogue()) {
            d.send("EHLO impatient.example.org");
            List<String> reply = d.readReply();
            assertThat(reply.get(0)).startsWith("554 5.7.1");
            assertThat(String.join(" ", reply)).contains("before");
            assertThat(d.closedByServer()).isTrue();
        }
        assertThat(smtp.awaitLog("early talker")).contains("[127.0.0.1]");
    }

    @Test
    void withRejectAtRcptTheEarlyTalkerIsRefusedAtRcpt() throws Exception {
        start("rcpt");
        try (Dialogue d = smtp.dialogue()) {
            d.send("EHLO impatient.example.org").expect(220).expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("RCPT TO:<b@example.test>").expect(550, "5.7.1 the client sent data before the 220");
        }
    }

    @Test
    void aClientThatWaitsIsGreeted() throws Exception {
        start("helo");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220, "mx.warden.test ESMTP");
        }
    }
}
