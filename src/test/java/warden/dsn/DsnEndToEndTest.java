package warden.dsn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.Dialogue;
import warden.testing.LogWait;
import warden.testing.RelayServe;
import warden.testing.ScriptedSmtpServer;
import warden.testing.TestDnsServer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DSN through {@code warden serve}, end to end over loopback: the parameters given at MAIL and
 * RCPT reach the queue, and the bounce a 550 produces honours them (NOTIFY, ORCPT, ENVID,
 * RET=FULL) in the local sender's Maildir; a failed message from {@code <>} goes to postmaster.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DsnEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void theBounceHonoursTheDsnParametersAndABounceOfABounceGoesToPostmaster() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "alice: alice@localhost\n");
        Files.createDirectories(dir.resolve("var/mail/alice/Maildir/new"));
        Files.createDirectories(dir.resolve("var/mail/postmaster/Maildir/new"));
        try (TestDnsServer dns = TestDnsServer.start();
             ScriptedSmtpServer peer = ScriptedSmtpServer.start()) {
            peer.rcpt("bad@remote.test", "550 5.1.1 <bad@remote.test>: no such user");
            peer.rcpt("never@remote.test", "550 5.1.1 <never@remote.test>: no such user");
            try (RelayServe serve = RelayServe.start(dir, dns, peer, "virtual_domains: " + virtual + "\n")) {
                try (Dialogue d = serve.dialogue()) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<alice@example.test> RET=FULL ENVID=QQ+2B1").expect(250)
                            .send("RCPT TO:<bad@remote.test> NOTIFY=FAILURE ORCPT=rfc822;old+2Bbad@remote.test").expect(250)
                            .send("RCPT TO:<never@remote.test> NOTIFY=NEVER").expect(250)
                            .send("RCPT TO:<good@remote.test>").expect(250)
                            .send("DATA").expect(354)
                            .raw("From: alice@example.test\r\nSubject: out\r\n\r\nthe whole body comes back\r\n.\r\n").expect(250)
                            // a bounce from elsewhere that fails here too: its report goes to our postmaster
                            .send("MAIL FROM:<>").expect(250)
                            .send("RCPT TO:<bad@remote.test>").expect(250)
                            .send("DATA").expect(354)
                            .raw("From: MAILER-DAEMON@elsewhere.test\r\nSubject: a bounce\r\n\r\nx\r\n.\r\n").expect(250)
                            .send("QUIT").expect(221);
                }
                String bounce = LogWait.until(() -> only(dir.resolve("var/mail/alice/Maildir/new")), "multipart/report");
                ParsedReport p = ParsedReport.parse(new ByteArrayInputStream(
                        bounce.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8)));
                assertThat(p.field("From")).isEqualTo("Mail Delivery System <MAILER-DAEMON@mx.warden.test>");
                assertThat(p.field("Subject")).isEqualTo("Undelivered Mail Returned to Sender");
                assertThat(p.parts()).extracting(ParsedReport.Part::mimeType)
                        .containsExactly("text/plain", "message/delivery-status", "message/rfc822");
                List<Map<String, String>> groups = p.parts().get(1).groups();
                assertThat(groups).as("bad@ only: never@ said NOTIFY=NEVER").hasSize(2);
                assertThat(groups.get(0)).containsEntry("Original-Envelope-Id", "QQ+1");
                assertThat(groups.get(1)).containsEntry("Original-Recipient", "rfc822;old+bad@remote.test")
                        .containsEntry("Final-Recipient", "rfc822; bad@remote.test")
                        .containsEntry("Action", "failed").containsEntry("Status", "5.1.1")
                        .containsEntry("Diagnostic-Code", "smtp; 550 5.1.1 <bad@remote.test>: no such user");
                assertThat(p.parts().get(2).text()).contains("Subject: out").contains("the whole body comes back");
                assertThat(p.parts().get(0).prose()).doesNotContain("never@");

                String copy = LogWait.until(() -> only(dir.resolve("var/mail/postmaster/Maildir/new")), "multipart/report");
                assertThat(copy).startsWith("Return-path: <>\n").contains("Subject: Postmaster Copy: Undelivered Mail")
                        .contains("To: <postmaster@mx.warden.test>").contains("Subject: a bounce");
            }
        }
    }

    /** The one file in {@code maildir}, or "" while there is none. */
    private static String only(Path maildir) {
        try (Stream<Path> s = Files.list(maildir)) {
            List<Path> files = s.toList();
            return files.size() == 1 ? Files.readString(files.getFirst()) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
