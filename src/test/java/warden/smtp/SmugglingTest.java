package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SMTP smuggling (SEC Consult, December 2023; Postfix's smtpd_forbid_bare_newline): only
 * CRLF.CRLF ends DATA. A bare LF or CR around a dot must never end the message, so a second,
 * forged message cannot be hidden inside the first.
 */
class SmugglingTest {

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @AfterEach
    void stop() {
        smtp.close();
    }

    private static final String SMUGGLED = "MAIL FROM:<admin@example.test>\r\nRCPT TO:<victim@example.test>\r\n"
            + "DATA\r\nSubject: forged\r\n\r\nforged\r\n";

    @ParameterizedTest(name = "end-of-data lookalike {0} does not end DATA (reject mode)")
    @ValueSource(strings = {"\\n.\\n", "\\r.\\r", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r\\n", "\\r\\n.\\r"})
    void lookalikesDoNotEndDataAndTheMessageIsRefused(String variant) throws Exception {
        smtp = new TestSmtp("", store);
        String fake = variant.replace("\\r", "\r").replace("\\n", "\n");
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw("Subject: real\r\n\r\nbody" + fake + SMUGGLED + ".\r\n")
                    .expect(550, "5.6.0");
            d.send("NOOP").expect(250);
        }
        assertThat(store.messages).isEmpty();
        assertThat(smtp.log()).doesNotContain("victim@example.test>");
    }

    @ParameterizedTest(name = "end-of-data lookalike {0} stays inside one message (normalize mode)")
    @ValueSource(strings = {"\\n.\\n", "\\r.\\r", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r\\n", "\\r\\n.\\r"})
    void lookalikesStayInsideOneNormalizedMessage(String variant) throws Exception {
        smtp = new TestSmtp("bare_line_endings: normalize\n", store);
        String fake = variant.replace("\\r", "\r").replace("\\n", "\n");
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw("Subject: real\r\n\r\nbody" + fake + SMUGGLED + ".\r\n")
                    .expect(250);
            d.send("NOOP").expect(250);
        }
        assertThat(store.messages).hasSize(1);
        String content = new String(store.bytes(0), StandardCharsets.UTF_8);
        assertThat(content).contains("forged").contains("RCPT TO:<victim@example.test>");
        assertThat(content).doesNotContain("\r\r").matches("(?s)([^\r\n]*\r\n)*");
        assertThat(store.messages.get(0).envelope().recipients()).containsExactly("b@example.test");
    }

    @Test
    void dotStuffingRoundTripsExactly() throws Exception {
        smtp = new TestSmtp("", store);
        String body = "Subject: dots\r\n\r\n.\r\n..\r\n...leading\r\nmid.dle\r\n. space\r\n";
        String stuffed = body.replaceAll("(?m)^\\.", "..");
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw(stuffed + ".\r\n").expect(250);
        }
        assertThat(new String(store.bytes(0), StandardCharsets.US_ASCII)).isEqualTo(body);
    }

    @Test
    void theTerminatorMayBeSplitAcrossPackets() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354);
            d.raw("Subject: x\r\n\r\nbody\r");
            Thread.sleep(50);
            d.raw("\n.");
            Thread.sleep(50);
            d.raw("\r");
            Thread.sleep(50);
            d.raw("\n").expect(250);
        }
        assertThat(new String(store.bytes(0), StandardCharsets.US_ASCII)).isEqualTo("Subject: x\r\n\r\nbody\r\n");
    }
}
