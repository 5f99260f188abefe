package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.Ret;
import warden.mail.Envelope;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 3461 inbound, over a loopback socket: DSN is advertised, RET/ENVID and NOTIFY/ORCPT are
 * read, refused with 501 5.5.4 when malformed or repeated, and reach the store in the envelope.
 */
@Timeout(30)
class DsnDialogueTest {

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = new TestSmtp("", store);
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    @Test
    void ehloAdvertisesDsnAndHeloDoesNot() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            assertThat(d.lastReply()).contains("250-DSN");
            d.send("HELO client.example.org").expect(250);
            assertThat(d.lastReply()).hasSize(1);
            d.send("MAIL FROM:<a@example.org> RET=FULL").expect(555, "5.5.4");
        }
    }

    @Test
    void theParametersReachTheStoreInTheEnvelope() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org> ret=hdrs ENVID=QQ314159+2Bx SIZE=100").expect(250, "2.1.0")
                    .send("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Bold@example.test").expect(250)
                    .send("RCPT TO:<carol@example.test> NOTIFY=NEVER").expect(250)
                    .send("RCPT TO:<dave@example.test>").expect(250)
                    .send("DATA").expect(354).send("Subject: dsn\r\n\r\nhi\r\n.").expect(250);
        }
        assertThat(store.messages).hasSize(1);
        Envelope env = store.messages.get(0).envelope();
        assertThat(env.dsn()).isEqualTo(new MessageDsn(Optional.of(Ret.HDRS), Optional.of("QQ314159+x")));
        assertThat(env.dsn("bob@example.test")).isEqualTo(new RecipientDsn(Set.of(Notify.SUCCESS, Notify.FAILURE),
                Optional.of("rfc822;bob+old@example.test")));
        assertThat(env.dsn("carol@example.test").wants(Notify.FAILURE)).isFalse();
        assertThat(env.dsn("dave@example.test")).isEqualTo(RecipientDsn.NONE);
    }

    @Test
    void aMessageWithoutDsnParametersHasNone() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("alice@example.org", "bob@example.test")
                    .send("DATA").expect(354).send("Subject: plain\r\n\r\nhi\r\n.").expect(250);
        }
        Envelope env = store.messages.get(0).envelope();
        assertThat(env.dsn()).isEqualTo(MessageDsn.NONE);
        assertThat(env.dsn("bob@example.test")).isEqualTo(RecipientDsn.NONE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"RET=ALL", "RET", "ENVID=", "ENVID=a=b", "RET=FULL RET=HDRS", "ENVID=a ENVID=b", "RET=FULL ret=FULL"})
    void aBadOrRepeatedMailParameterIs501(String params) throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org> " + params).expect(501, "5.5.4")
                    .send("MAIL FROM:<alice@example.org>").expect(250);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"NOTIFY=NEVER,DELAY", "NOTIFY=", "NOTIFY=SOMETIMES", "ORCPT=bob@example.test",
            "ORCPT=rfc822;a+0D+0Ab@example.test", "NOTIFY=DELAY NOTIFY=FAILURE",
            "ORCPT=rfc822;a@example.test ORCPT=rfc822;b@example.test"})
    void aBadOrRepeatedRcptParameterIs501AndTheTransactionGoesOn(String params) throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test> " + params).expect(501, "5.5.4")
                    .send("RCPT TO:<bob@example.test>").expect(250);
        }
    }

    @Test
    void theReplySaysWhatIsWrong() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org> ENVID=" + "x".repeat(101)).expect(501, "1 to 100 characters")
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test> NOTIFY=NEVER,FAILURE").expect(501, "NEVER cannot be combined")
                    .send("RCPT TO:<bob@example.test> NOTIFY=FAILURE NOTIFY=FAILURE").expect(501, "NOTIFY given more than once")
                    .send("RCPT TO:<bob@example.test> ORCPT=" + "rfc822;" + "a".repeat(500)).expect(501, "at most 500");
        }
    }

    /** RFC 3461 section 4: NOTIFY and ORCPT make a RCPT line up to 500 characters longer than 512. */
    @Test
    void aRcptLineWithAFullLengthOrcptIsReadWhileOtherCommandsKeep512() throws Exception {
        String orcpt = "rfc822;" + "a".repeat(500 - 7 - 13) + "@example.test";
        String rcpt = "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=" + orcpt;
        assertThat(rcpt.length()).isGreaterThan(512);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org> RET=FULL ENVID=" + "e".repeat(100)).expect(250)
                    .send(rcpt).expect(250, "2.1.5")
                    .send("NOOP " + "n".repeat(520)).expect(500, "5.5.2")
                    .send("RCPT TO:<carol@example.test> ORCPT=" + orcpt + "x".repeat(600)).expect(500, "5.5.2")
                    .send("DATA").expect(354).send("Subject: long\r\n\r\nhi\r\n.").expect(250);
        }
        assertThat(store.messages.get(0).envelope().dsn("bob@example.test").orcpt()).contains(orcpt);
    }

    @Test
    void anUnknownRcptParameterIsStill555() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test> FOO=BAR").expect(555, "5.5.4");
        }
    }
}
