package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.delivery.LocalStore;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main-log lines about sessions an administrator needs and did not get: a client lost in the
 * middle of DATA, a session cut when the shutdown grace runs out (with address and sender), a
 * 553 refusal, and why a delivery failed (the reason, not only the path).
 */
class SessionLogLinesTest {

    @TempDir
    Path dir;

    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    @Test
    void aClientLostDuringDataIsLoggedWithItsSender() throws Exception {
        smtp = new TestSmtp("", new RecordingStore());
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("alice@example.org", "bob@example.test").send("DATA").expect(354).raw("Subject: half\r\n\r\nhal");
        } // closed in the middle of the message
        assertThat(smtp.awaitLine("lost during DATA"))
                .contains("[127.0.0.1] F=<alice@example.org> lost during DATA: connection closed; message abandoned");
    }

    @Test
    void aSessionCutAtTheShutdownGraceIsLoggedWithAddressAndSender() throws Exception {
        RecordingStore store = new RecordingStore();
        smtp = new TestSmtp("limits: {shutdown_grace: 1s}\n", store);
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("alice@example.org", "bob@example.test").send("DATA").expect(354).raw("Subject: slow\r\n\r\n");
            smtp.close(); // waits the grace, then cuts the session still in DATA
            String log = smtp.logBytes.toString();
            smtp = null;
            assertThat(log).contains("[127.0.0.1] F=<alice@example.org> lost: cut at shutdown, 1s shutdown_grace over during DATA;"
                    + " message abandoned");
            assertThat(log).doesNotContain("lost during DATA"); // one line for one loss
        }
        assertThat(store.messages).isEmpty();
    }

    @Test
    void a553RefusalIsLogged() throws Exception {
        smtp = new TestSmtp("", new RecordingStore());
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<j\u00f6rg@example.org>").expect(553, "5.6.7")
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<b\u00f6b@example.test>").expect(553, "5.6.7");
        }
        assertThat(smtp.awaitLine("rejected MAIL")).contains("(client.example.org) [127.0.0.1]").contains(": 553 5.6.7 ");
        assertThat(smtp.awaitLine("rejected RCPT")).contains("F=<alice@example.org>").contains(": 553 5.6.7 ");
    }

    @Test
    void aFailedDeliveryNamesItsCauseNotOnlyThePath() throws Exception {
        // bob's mailbox cannot be made: a plain file sits where his directory should be
        Files.createDirectories(dir.resolve("mail"));
        Files.writeString(dir.resolve("mail/bob"), "not a directory");
        LocalStore store = new LocalStore(dir.resolve("mail/{user}/Maildir").toString(), dir.resolve("spool"),
                "mx.warden.test", MainLog.console(null));
        smtp = new TestSmtp("", PolicyEngine.permissive(), TestSmtp.EXAMPLE_TEST, store, UnaryOperator.identity());
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("alice@example.org", "bob@example.test").send("DATA").expect(354)
                    .raw("Subject: x\r\n\r\nx\r\n.\r\n").expect(451, "4.3.0");
        }
        String line = smtp.awaitLine("delivery failed");
        assertThat(line).contains("client told to retry: " + dir.resolve("mail/bob"));
        assertThat(line).containsAnyOf(": Not a directory", ": File exists");
    }
}
