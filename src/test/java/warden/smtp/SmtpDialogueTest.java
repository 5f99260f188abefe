package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import warden.delivery.InboundMessage;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The ESMTP dialogue end to end over a loopback socket: RFC 5321 commands, replies and sequencing. */
class SmtpDialogueTest {

    RecordingStore store;
    TestSmtp smtp;

    @BeforeEach
    void start() throws Exception {
        store = new RecordingStore();
        smtp = new TestSmtp("limits: {max_recipients: 3, message_size: 2K, max_errors: 6}\n", store);
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    @Test
    void bannerAndEhloAdvertiseTheExtensions() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220, "mx.warden.test ESMTP");
            d.send("EHLO client.example.org").expect(250);
            assertThat(d.lastReply()).contains("250-PIPELINING", "250-SIZE 2048", "250-8BITMIME",
                    "250-ENHANCEDSTATUSCODES", "250-SMTPUTF8");
            assertThat(d.lastReply().get(0)).startsWith("250-mx.warden.test Hello client.example.org");
        }
    }

    @Test
    void aWholeTransactionIsDeliveredWithItsEnvelope() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("alice@example.org", "bob@example.test")
                    .send("RCPT TO:<carol@example.test>").expect(250, "2.1.5")
                    .send("DATA").expect(354)
                    .raw("Subject: hi\r\n\r\nhello\r\n..dot\r\n.\r\n").expect(250, "2.0.0 Ok: queued as ")
                    .send("QUIT").expect(221, "2.0.0");
        }
        assertThat(store.messages).hasSize(1);
        InboundMessage m = store.messages.get(0);
        assertThat(m.envelope().reversePath()).isEqualTo("alice@example.org");
        assertThat(m.envelope().recipients()).containsExactly("bob@example.test", "carol@example.test");
        assertThat(new String(store.bytes(0), StandardCharsets.UTF_8)).isEqualTo("Subject: hi\r\n\r\nhello\r\n.dot\r\n");
        assertThat(m.trace().heloName()).isEqualTo("client.example.org");
        assertThat(m.trace().protocol()).isEqualTo("ESMTP");
        assertThat(smtp.awaitLog("<= <alice@example.org>", "bob@example.test carol@example.test")).contains("P=esmtp");
    }

    @Test
    void everyReplyAfterTheGreetingCarriesAnEnhancedStatusCode() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250);
            for (String cmd : new String[] {"NOOP", "VRFY bob", "HELP", "RSET", "BOGUS", "RCPT TO:<a@example.test>",
                    "MAIL FROM:<a@example.org>", "MAIL FROM:<a@example.org>", "DATA"}) {
                d.send(cmd);
                String line = d.readReply().get(0);
                assertThat(line).as(cmd).matches("\\d{3}[ -][245]\\.\\d{1,3}\\.\\d{1,3} .*");
            }
        }
    }

    @Test
    void sequencingErrorsAre503() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220)
                    .send("MAIL FROM:<a@example.org>").expect(503, "5.5.1")
                    .send("HELO c.example.org").expect(250)
                    .send("RCPT TO:<b@example.test>").expect(503, "5.5.1 Need MAIL before RCPT")
                    .send("DATA").expect(503, "5.5.1 Need MAIL and RCPT before DATA")
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(503, "5.5.1")
                    .send("DATA").expect(554, "5.5.1");
        }
    }

    @Test
    void syntaxErrors() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220)
                    .send("EHLO").expect(501, "5.5.4")
                    .send("EHLO c.example.org").expect(250)
                    .send("MAIL TO:<a@example.org>").expect(501, "5.5.4")
                    .send("MAIL FROM:<a@@example.org>").expect(501, "5.1.7")
                    .send("MAIL FROM:<a@example.org> FOO=BAR").expect(555, "5.5.4")
                    .send("MAIL FROM:<a@example.org> BODY=BINARYMIME").expect(501, "5.5.4")
                    .send("XYZZY").expect(500, "5.5.2");
        }
    }

    /** A VRFY without its argument is told VRFY's syntax (it was told RCPT's). */
    @Test
    void vrfyWithoutAnArgumentIsToldVrfysSyntax() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("VRFY").expect(501, "5.5.4 Syntax: VRFY address")
                    .send("VRFY bob").expect(252, "2.5.0");
        }
    }

    @Test
    void rsetAndHeloAbortTheTransaction() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test")
                    .send("RSET").expect(250)
                    .send("RCPT TO:<b@example.test>").expect(503)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("EHLO again.example.org").expect(250)
                    .send("RCPT TO:<b@example.test>").expect(503);
        }
    }

    @Test
    void unknownRecipientIs550AndDataNeedsAValidOne() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("RCPT TO:<nobody@elsewhere.test>").expect(550, "5.1.1")
                    .send("DATA").expect(554, "5.5.1 No valid recipients");
        }
        assertThat(smtp.awaitLog("rejected RCPT <nobody@elsewhere.test>")).contains("[127.0.0.1]")
                .contains("F=<a@example.org>").contains("(c.example.org)");
    }

    @Test
    void tooManyRecipientsIs452() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "r1@example.test")
                    .send("RCPT TO:<r2@example.test>").expect(250)
                    .send("RCPT TO:<r3@example.test>").expect(250)
                    .send("RCPT TO:<r4@example.test>").expect(452, "4.5.3");
        }
    }

    @Test
    void sizeIsEnforcedFromTheParameterAndDuringData() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org> SIZE=4096").expect(552, "5.3.4")
                    .send("MAIL FROM:<a@example.org> SIZE=100").expect(250)
                    .send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354)
                    .raw("Subject: big\r\n\r\n" + "x".repeat(70).concat("\r\n").repeat(40) + ".\r\n").expect(552, "5.3.4")
                    .send("NOOP").expect(250);
        }
        assertThat(store.messages).isEmpty();
    }

    @Test
    void commandLineOver512OctetsIsRefusedAndTheSessionGoesOn() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO " + "a".repeat(600)).expect(500, "5.5.2")
                    .send("EHLO " + "a".repeat(500)).expect(250);
        }
    }

    @Test
    void textLineOver1000OctetsRefusesTheMessage() throws Exception {
        smtp.close();
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw("Subject: x\r\n\r\n" + "y".repeat(999) + "\r\n.\r\n").expect(550, "5.6.0");
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: x\r\n\r\n" + "y".repeat(998) + "\r\n.\r\n").expect(250);
        }
        assertThat(store.messages).hasSize(1);
    }

    @Test
    void tooManyErrorsCloseTheConnectionWith421() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220);
            for (int i = 0; i < 5; i++) d.send("BOGUS").expect(500);
            d.send("BOGUS").expect(500).expect(421, "4.7.0");
            assertThat(d.closedByServer()).isTrue();
        }
    }

    @Test
    void failedStorageAnswers451AndTheClientMayRetry() throws Exception {
        store.fail = true;
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw("Subject: x\r\n\r\nbody\r\n.\r\n").expect(451, "4.3.0");
            store.fail = false;
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: x\r\n\r\nbody\r\n.\r\n").expect(250);
        }
        assertThat(store.messages).hasSize(1);
    }

    @Test
    void smtputf8AddressesNeedTheParameter() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<jörg@example.org>").expect(553, "5.6.7")
                    .send("MAIL FROM:<jörg@example.org> SMTPUTF8").expect(250)
                    .send("RCPT TO:<bjørn@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: ø\r\n\r\nø\r\n.\r\n").expect(250);
        }
        assertThat(store.messages.get(0).envelope().reversePath()).isEqualTo("jörg@example.org");
    }

    @Test
    void nullSenderAndBarePostmasterAreAccepted() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("HELO c.example.org").expect(250)
                    .send("MAIL FROM:<>").expect(250)
                    .send("RCPT TO:<>").expect(501)
                    .send("RCPT TO:<b@example.test>").expect(250);
        }
    }

    @Test
    void heloClientsMayNotUseEsmtpParameters() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("HELO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org> SIZE=10").expect(555);
        }
    }
}
