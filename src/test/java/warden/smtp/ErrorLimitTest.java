package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code limits.max_errors} counts the client's errors, not Warden's own "not now": a 452 4.5.3
 * for a recipient over {@code max_recipients} is the limit RFC 5321 4.5.3.1.10 tells the client to
 * retry later, and cutting the session there would lose the whole transaction on every retry.
 */
class ErrorLimitTest {

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = new TestSmtp("", store); // the defaults: max_recipients 100, max_errors 10
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    @Test
    void oneHundredFiftyPipelinedRecipientsGetAHundred250AndFifty452AndTheMessageIsDelivered() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            StringBuilder batch = new StringBuilder("MAIL FROM:<alice@example.org>\r\n");
            for (int i = 1; i <= 150; i++) batch.append("RCPT TO:<user").append(i).append("@example.test>\r\n");
            batch.append("DATA\r\n");
            d.raw(batch.toString()).expect(250, "2.1.0");
            for (int i = 1; i <= 100; i++) d.expect(250, "2.1.5");
            for (int i = 101; i <= 150; i++) d.expect(452, "4.5.3");
            d.expect(354).raw("Subject: many\r\n\r\nhello\r\n.\r\n").expect(250, "queued")
                    .send("QUIT").expect(221);
        }
        assertThat(store.messages).hasSize(1);
        assertThat(store.messages.getFirst().envelope().recipients()).hasSize(100);
    }

    @Test
    void protocolErrorsStillEndTheSession() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            for (int i = 0; i < 9; i++) d.send("BOGUS").expect(500, "5.5.2");
            d.send("BOGUS").expect(500).expect(421, "4.7.0");
            assertThat(d.closedByServer()).isTrue();
        }
    }
}
