package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import warden.delivery.DeliveryHeaders;
import warden.delivery.Trace;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The protocol a message came by, as Received's {@code with} and the log's {@code P=} name it. */
class TraceProtocolTest {

    RecordingStore store;
    TestSmtp smtp;

    @BeforeEach
    void start() throws Exception {
        store = new RecordingStore();
        smtp = new TestSmtp("", store);
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    @Test
    void anSmtputf8TransactionSaysUtf8smtpInReceivedAndUtf8esmtpInTheLog() throws Exception {
        // RFC 6531 section 3.7.3; before: "with ESMTP" and P=esmtp.
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<jörg@example.org> SMTPUTF8").expect(250)
                    .send("RCPT TO:<bjørn@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: ø\r\n\r\nø\r\n.\r\n").expect(250);
        }
        Trace trace = store.messages.getFirst().trace();
        assertThat(trace.protocol()).isEqualTo("UTF8SMTP");
        assertThat(DeliveryHeaders.received(trace, List.of("bjørn@example.test"))).contains(" with UTF8SMTP id ");
        assertThat(smtp.awaitLog("<= <jörg@example.org>")).contains("P=utf8esmtp");
    }

    @Test
    void withoutTheParameterItStaysEsmtpAndHeloIsSmtp() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: a\r\n\r\na\r\n.\r\n").expect(250);
        }
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("HELO c.example.org").expect(250)
                    .send("MAIL FROM:<h@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: h\r\n\r\nh\r\n.\r\n").expect(250);
        }
        assertThat(store.messages).extracting(m -> m.trace().protocol()).containsExactly("ESMTP", "SMTP");
        String log = smtp.awaitLog("<= <a@example.org>", "<= <h@example.org>");
        assertThat(log).contains("P=esmtp").contains("P=smtp ");
    }
}
