package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.testing.Dialogue;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Good mail is not refused or deferred for Warden's own reasons (issue 7 section 2), end to end:
 * {@code serve} over real sockets, a real DNS server on loopback, the SQLite greylist under
 * data_dir and Maildir delivery. The client is 127.0.0.1 outside {@code relay_networks}, so every
 * check and the greylist apply to it.
 */
@Timeout(60)
class GoodMailEndToEndTest {

    static final String MESSAGE = "From: Alice <alice@example.org>\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\n"
            + "To: bob@example.test\r\nSubject: good mail\r\n\r\nHello Bob\r\n.\r\n";

    @TempDir
    Path dir;

    private WardenConfig config(TestDnsServer dns, String extra) throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "postmaster: pm@localhost\n*: bob@localhost\n");
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen: ["127.0.0.1:0"]
                relay_networks: []
                data_dir: %s
                virtual_domains: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                %s""".formatted(dir.resolve("var"), virtual, dns.address().getPort(), extra));
        return ConfigLoader.load(yaml);
    }

    private static InetSocketAddress address(ServeCommand.Running running) {
        return running.server().boundAddresses().get(0);
    }

    private List<Path> delivered(String user) throws Exception {
        Path dirNew = dir.resolve("var/mail/" + user + "/Maildir/new");
        if (!Files.isDirectory(dirNew)) return List.of();
        try (Stream<Path> s = Files.list(dirNew)) {
            return s.toList();
        }
    }

    @Test
    void aServfailForTheHeloNameWithRejectAtHeloIsNeitherDeferredNorDenied() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.servfail("broken.example.net");
            List<String> replies = new ArrayList<>();
            try (ServeCommand.Running running = ServeCommand.start(config(dns,
                    "policy: {reject_at: helo, max_delay: 0s}\ngreylist: {enabled: false}\n"),
                    new PrintStream(new ByteArrayOutputStream()), new TestClock());
                 Dialogue d = Dialogue.connect(address(running))) {
                d.expect(220).send("EHLO broken.example.net").expect(250);
                replies.addAll(d.lastReply());
                d.send("MAIL FROM:<alice@example.org>").expect(250);
                replies.addAll(d.lastReply());
                d.send("RCPT TO:<bob@example.test>").expect(250);
                replies.addAll(d.lastReply());
                d.send("DATA").expect(354).raw(MESSAGE).expect(250, "queued");
                d.send("QUIT").expect(221);
            }
            assertThat(replies).noneSatisfy(r -> assertThat(r).containsAnyOf("SERVFAIL", "127.0.0.1:", "Exception"));
            assertThat(delivered("bob")).hasSize(1);
            assertThat(Files.readString(dir.resolve("var/log/mainlog"))).contains("helo-resolves-to-us tempfail (log)");
        }
    }

    @Test
    void aFirstTimeSenderGreylistedOnTwentyRecipientsIsNotCutOff() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             ServeCommand.Running running = ServeCommand.start(config(dns, "policy: {max_delay: 0s}\n"),
                     new PrintStream(new ByteArrayOutputStream()), new TestClock());
             Dialogue d = Dialogue.connect(address(running))) {
            d.expect(220).send("EHLO client.example.org").expect(250).send("MAIL FROM:<alice@example.org>").expect(250);
            for (int i = 1; i <= 20; i++) d.send("RCPT TO:<user" + i + "@example.test>").expect(451, "4.7.1");
            d.send("NOOP").expect(250).send("QUIT").expect(221);
        }
    }

    @Test
    void aQuotedSenderIsGreylistedOnceThenDelivered() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            TestClock clock = new TestClock();
            try (ServeCommand.Running running = ServeCommand.start(config(dns, "policy: {max_delay: 0s}\ngreylist: {delay: 1m}\n"),
                    new PrintStream(new ByteArrayOutputStream()), clock)) {
                try (Dialogue d = Dialogue.connect(address(running))) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<\"john smith\"@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(451, "4.7.1")
                            .send("QUIT").expect(221);
                }
                clock.advance(Duration.ofSeconds(90));
                try (Dialogue d = Dialogue.connect(address(running))) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<\"john smith\"@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(250)
                            .send("DATA").expect(354).raw(MESSAGE).expect(250, "queued")
                            .send("QUIT").expect(221);
                }
            }
            assertThat(delivered("bob")).hasSize(1);
            assertThat(Files.readString(delivered("bob").getFirst())).contains("X-Greylist: delayed 90 seconds by Warden");
        }
    }

    /** RFC 5322 3.4.1: {@code "bob"@example.test} is bob's address; the quotes change nothing (Postfix agrees). */
    @Test
    void aQuotedRecipientThatNeedsNoQuotesReachesTheMailbox() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             ServeCommand.Running running = ServeCommand.start(config(dns, "policy: {max_delay: 0s}\ngreylist: {enabled: false}\n"),
                     new PrintStream(new ByteArrayOutputStream()), new TestClock())) {
            try (Dialogue d = Dialogue.connect(address(running))) {
                d.expect(220).send("EHLO client.example.org").expect(250)
                        .send("MAIL FROM:<\"alice\"@example.org>").expect(250)
                        .send("RCPT TO:<\"bob\"@example.test>").expect(250)
                        .send("RCPT TO:<\"bo\\b\"@example.test>").expect(250)
                        .send("DATA").expect(354).raw(MESSAGE).expect(250, "queued")
                        .send("QUIT").expect(221);
            }
        }
        assertThat(delivered("bob")).hasSize(1);
        assertThat(Files.readString(delivered("bob").getFirst())).contains("Return-path: <alice@example.org>");
    }

    /** README: postmaster@ our domains is always accepted; the seed's ACL accepts it before greylisting. */
    @Test
    void postmasterIsAcceptedWithoutGreylistingFromSendersAndBounces() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             ServeCommand.Running running = ServeCommand.start(config(dns, "policy: {max_delay: 0s}\n"),
                     new PrintStream(new ByteArrayOutputStream()), new TestClock());
             Dialogue d = Dialogue.connect(address(running))) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<postmaster@example.test>").expect(250, "2.1.5")
                    .send("RCPT TO:<PostMaster@Example.TEST>").expect(250, "2.1.5")
                    .send("RCPT TO:<bob@example.test>").expect(451, "4.7.1")
                    .send("DATA").expect(354).raw(MESSAGE).expect(250, "queued")
                    // a bounce to the postmaster is not greylisted at DATA either
                    .send("MAIL FROM:<>").expect(250)
                    .send("RCPT TO:<postmaster@example.test>").expect(250)
                    .send("DATA").expect(354).raw(MESSAGE).expect(250, "queued")
                    .send("QUIT").expect(221);
        }
        assertThat(delivered("pm")).hasSize(2);
        assertThat(delivered("bob")).isEmpty();
    }
}
