package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.mail.Reply;
import warden.policy.Decision;
import warden.policy.PolicyEngine;
import warden.policy.Stage;
import warden.policy.Verdict;
import warden.recipient.DomainRouter;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7 section 3, over a loopback socket: nothing a client sends reaches a main-log line or a
 * reply raw; quoted-pairs and UTF-8 are checked; a non-ASCII local part is not folded onto an ASCII
 * mailbox; every line about a session starts with its {@code H=... [ip]}.
 */
class HostileTextTest {

    @TempDir
    Path dir;
    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    /** Refuses every greeting, so the HELO text goes into a "rejected" log line. */
    static final PolicyEngine REFUSE_HELO = client -> snapshot -> snapshot.stage() == Stage.HELO
            ? new Decision(new Verdict.Refuse(Reply.of(550, "5.7.1", "go away"), false), Duration.ZERO, List.of(), List.of())
            : Decision.proceed();

    @Test
    void controlCharactersInAHeloAreEscapedInTheLog() throws Exception {
        smtp = new TestSmtp("", REFUSE_HELO, TestSmtp.EXAMPLE_TEST, store, UnaryOperator.identity());
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO evil\u0000\u001b[2J\u0007\u2028x").expect(550, "go away");
        }
        String log = smtp.awaitLog("rejected EHLO");
        assertThat(log).contains("rejected EHLO evil\\x00\\x1b[2J\\x07\\u2028x: 550 5.7.1 go away");
        assertPrintable(smtp.logBytes);
    }

    @Test
    void invisibleCharactersInAUtf8SenderAreEscapedInTheLog() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<a\u00a0b\u200bc\u202e@example.org> SMTPUTF8").expect(250)
                    .send("RCPT TO:<x@elsewhere.example>").expect(550);
        }
        String log = smtp.awaitLog("rejected RCPT");
        assertThat(log).contains("F=<a\\xa0b\\u200bc\\u202e@example.org>");
        assertPrintable(smtp.logBytes);
    }

    @Test
    void c1ControlsAndLineSeparatorsAreNoPartOfAnAddressEvenUnderSmtputf8() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<a\u0085b@example.org> SMTPUTF8").expect(501, "5.1.7")
                    .send("MAIL FROM:<a\u2028b@example.org> SMTPUTF8").expect(501, "5.1.7")
                    .send("MAIL FROM:<\"a\u2029b\"@example.org> SMTPUTF8").expect(501, "5.1.7")
                    .send("MAIL FROM:<ab@ex\u009bample.org> SMTPUTF8").expect(501, "5.1.7")
                    .send("MAIL FROM:<j\u00f6rg@example.org> SMTPUTF8").expect(250)
                    .send("RCPT TO:<b\u0085@example.test>").expect(501, "5.1.3");
        }
    }

    @Test
    void aHeloIsEscapedInTheGreeting() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("HELO a\u001b[2Jb\u0000c").expect(250, "Hello a\\x1b[2Jb\\x00c ");
        }
    }

    @Test
    void aCrInAQuotedLocalPartIsNeverEchoed() throws Exception {
        smtp = new TestSmtp("relay_networks: []\n", PolicyEngine.permissive(), router(), store, UnaryOperator.identity());
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250).send("MAIL FROM:<a@example.org>").expect(250)
                    .raw("RCPT TO:<\"\\\rx\"@localhost>\r\n").expect(501, "5.1.3");
            assertThat(d.lastReply()).allSatisfy(line -> assertThat(line).doesNotContain("\r"));
            d.send("NOOP").expect(250); // the dialogue is still in step: no second reply was injected
        }
    }

    @Test
    void aQuotedPairWithAControlCharacterIsASyntaxError() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<\"\\\u0000\\\u001b[2J\"@example.org>").expect(501, "5.1.7")
                    .send("MAIL FROM:<\"\\\u007f\"@example.org>").expect(501, "5.1.7")
                    .send("MAIL FROM:<\"\\\u00e9\"@example.org> SMTPUTF8").expect(501, "5.1.7")
                    .send("MAIL FROM:<\"a\\\"b\"@example.org>").expect(250);
        }
    }

    @Test
    void invalidUtf8IsRefusedNotRewritten() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            d.raw(bytes("MAIL FROM:<a", 0xff, "b@example.org> SMTPUTF8\r\n")).expect(501, "5.5.2");
            d.raw(bytes("MAIL FROM:<a", 0xc3, "@example.org> SMTPUTF8\r\n")).expect(501, "5.5.2"); // truncated sequence
            d.raw(bytes("MAIL FROM:<a", 0xc0, 0xaf, "@example.org> SMTPUTF8\r\n")).expect(501, "5.5.2"); // overlong '/'
            d.raw(bytes("MAIL FROM:<a", 0xed, 0xa0, 0x80, "@example.org> SMTPUTF8\r\n")).expect(501, "5.5.2"); // surrogate
            d.send("MAIL FROM:<jörg@example.org> SMTPUTF8").expect(250)
                    .raw(bytes("RCPT TO:<b", 0xfe, "@example.test>\r\n")).expect(501, "5.5.2")
                    .send("RCPT TO:<bob@example.test>").expect(250);
        }
    }

    @Test
    void aKelvinSignIsNotTheLetterK() throws Exception {
        // 127.0.0.1 is a relay client by default, which may create mailboxes: still no kevin.
        smtp = new TestSmtp("", PolicyEngine.permissive(), router(), store, UnaryOperator.identity());
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org> SMTPUTF8").expect(250)
                    .send("RCPT TO:<\u212Aevin@localhost>").expect(550, "5.1.3")
                    .send("RCPT TO:<KEVIN@localhost>").expect(250);
        }
    }

    @Test
    void everySessionLineStartsWithTheClient() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<\"x <= y\"@example.org> SIZE=999999999").expect(552, "5.3.4")
                    .send("MAIL FROM:<\"x <= y\"@example.org>").expect(250)
                    .send("RCPT TO:<nobody@elsewhere.example>").expect(550)
                    .send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: x\r\n\r\nbody\r\n.\r\n").expect(250);
        }
        String log = smtp.awaitLog(" P=esmtp ");
        String tooBig = log.lines().filter(l -> l.contains("rejected MAIL")).findFirst().orElseThrow();
        assertThat(tooBig).matches("\\S+ \\S+ H=localhost \\(client\\.example\\.org\\) \\[127\\.0\\.0\\.1\\] rejected MAIL <\"x <= y\"@example\\.org> SIZE=999999999: 552 .*");
        String rejected = log.lines().filter(l -> l.contains("rejected RCPT")).findFirst().orElseThrow();
        assertThat(rejected).matches("\\S+ \\S+ H=localhost \\(client\\.example\\.org\\) \\[127\\.0\\.0\\.1\\] F=<\"x <= y\"@example\\.org> rejected RCPT .*");
        String arrival = log.lines().filter(l -> l.contains(" <= <")).findFirst().orElseThrow();
        assertThat(arrival).contains(" <= <\"x <= y\"@example.org> H=localhost (client.example.org) [127.0.0.1] P=esmtp");
    }

    @Test
    void aHeloCannotForgeTheClientAddressOfTheLogLine() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO a) [192.0.2.66] (b").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("RCPT TO:<nobody@elsewhere.example>").expect(550);
        }
        String rejected = smtp.awaitLine("rejected RCPT");
        assertThat(rejected).contains("H=localhost (a)\\x20[192.0.2.66]\\x20(b) [127.0.0.1] F=<a@example.org> rejected RCPT");
        // fail2ban's exim-common.conf host_info: the first "(helo) [ip]" after H= is the client
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("H=([\\w.-]+ )?(?:\\(\\S+\\) )?\\[(?<addr>[^\\]]+)\\]").matcher(rejected);
        assertThat(m.find()).isTrue();
        assertThat(m.group("addr")).isEqualTo("127.0.0.1");
    }

    private DomainRouter router() throws Exception {
        return new DomainRouter("mx.warden.test", Files.createDirectories(dir.resolve("virtual")), Set.of());
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof String s) b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            else b.write((Integer) p);
        }
        return b.toByteArray();
    }

    private static void assertPrintable(ByteArrayOutputStream log) {
        String text = log.toString(StandardCharsets.UTF_8);
        text.codePoints().forEach(cp -> assertThat(cp == '\n' || (cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0)
                && cp != 0x2028 && cp != 0x2029 && Character.getType(cp) != Character.FORMAT))
                .as("U+%04X in the log", cp).isTrue());
    }
}
