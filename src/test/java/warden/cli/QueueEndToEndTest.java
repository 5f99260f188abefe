package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.queue.QueueAdmin;
import warden.queue.Spool;
import warden.testing.Dialogue;
import warden.testing.LogWait;
import warden.testing.RelayServe;
import warden.testing.ScriptedSmtpServer;
import warden.testing.TestDnsServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbound queue inside {@code warden serve}, end to end over real sockets: a relay client
 * hands a message over SMTP, the queue sends it at once through the SMTP client to a scripted
 * loopback server named in {@code routes:}, a 550 there bounces to the local sender's Maildir,
 * and {@code warden queue} tools act on the running server.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class QueueEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void relayedMailIsSentAtOnceAndAPermanentFailureBouncesToTheLocalSender() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "alice: alice@localhost\n");
        Files.createDirectories(dir.resolve("var/mail/alice/Maildir/new"));
        try (TestDnsServer dns = TestDnsServer.start();
             ScriptedSmtpServer peer = ScriptedSmtpServer.start()) {
            peer.rcpt("bad@remote.test", "550 5.1.1 <bad@remote.test>: no such user");
            try (RelayServe serve = RelayServe.start(dir, dns, peer, "virtual_domains: " + virtual + "\n")) {
                try (Dialogue d = serve.dialogue()) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<alice@example.test>").expect(250)
                            .send("RCPT TO:<good@remote.test>").expect(250)
                            .send("RCPT TO:<bad@remote.test>").expect(250)
                            .send("DATA").expect(354)
                            .raw("From: alice@example.test\r\nSubject: out\r\n\r\n..leading dot\r\nbody\r\n.\r\n").expect(250)
                            .send("QUIT").expect(221);
                }
                ScriptedSmtpServer.Message sent = peer.awaitMessages(1, Duration.ofSeconds(20)).getFirst();
                assertThat(sent.recipients()).containsExactly("good@remote.test");
                assertThat(sent.text()).contains("Subject: out").contains("\r\n.leading dot\r\n").contains("Received: from");
                String line = LogWait.line(serve::console, "=> good@remote.test");
                assertThat(line).contains("R=route T=remote_smtp H=127.0.0.1 [127.0.0.1]").contains("C=\"250");
                LogWait.line(serve::console, "** bad@remote.test R=route T=remote_smtp: SMTP error from remote mail"
                        + " server after RCPT TO:<bad@remote.test>: 550 5.1.1 <bad@remote.test>: no such user");
                // the bounce goes from <> into alice's Maildir, then both leave the queue
                LogWait.line(serve::console, "-F1 <= <> R=");
                LogWait.until(serve::console, "-F1 Completed");
                assertThat(serve.console()).doesNotContain("=> good@remote.test R=remote T=spool");
                List<Path> inbox;
                try (Stream<Path> s = Files.list(dir.resolve("var/mail/alice/Maildir/new"))) {
                    inbox = s.toList();
                }
                assertThat(inbox).singleElement().satisfies(f -> assertThat(Files.readString(f))
                        .startsWith("Return-path: <>\n").contains("Subject: Undelivered Mail Returned to Sender")
                        .contains("550 5.1.1 <bad@remote.test>: no such user"));
                LogWait.until(() -> {
                    try (Stream<Path> s = Files.list(dir.resolve("var/spool/queue"))) {
                        return s.count() == 0 ? "empty" : "";
                    } catch (java.io.IOException e) {
                        return "";
                    }
                }, "empty");
            }
        }
    }

    @Test
    void queueToolsActOnTheRunningServerWithinASecond() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             ScriptedSmtpServer peer = ScriptedSmtpServer.start()) {
            peer.rcpt("later@remote.test", "451 4.7.1 greylisted, try later");
            try (RelayServe serve = RelayServe.start(dir, dns, peer, "")) {
                try (Dialogue d = serve.dialogue()) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<alice@example.org>").expect(250)
                            .send("RCPT TO:<later@remote.test>").expect(250)
                            .send("DATA").expect(354).raw("Subject: wait\r\n\r\nx\r\n.\r\n").expect(250)
                            .send("QUIT").expect(221);
                }
                String deferred = LogWait.line(serve::console, "== later@remote.test R=route T=remote_smtp defer:"
                        + " SMTP error from remote mail server after RCPT TO:<later@remote.test>: 451 4.7.1 greylisted, try later");
                String id = deferred.split(" ")[2];

                // another process's `warden queue retry ID`: the same spool, its own objects
                QueueAdmin admin = new QueueAdmin(new Spool(dir.resolve("var/spool"), Clock.systemUTC()), line -> { });
                assertThat(admin.show(id)).isPresent();
                long t0 = System.nanoTime();
                assertThat(admin.retry(id)).isTrue();
                LogWait.until(() -> serve.console().split("== later@remote.test", -1).length > 2 ? "again" : "", "again");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));

                assertThat(admin.remove(id)).isTrue();
                assertThat(admin.show(id)).isEmpty();
                Thread.sleep(600);
                assertThat(Files.exists(dir.resolve("var/spool/journal").resolve(id))).isFalse();
            }
        }
    }
}
