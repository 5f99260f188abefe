package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.mail.Cidr;
import warden.testing.Dialogue;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The front lines wired from YAML, end to end: {@code serve} over real sockets with a real DNS
 * server, the SQLite greylist under data_dir and Maildir delivery; and {@code simulate} showing
 * each decision on {@code >>>} lines.
 */
@Timeout(60)
class FrontLinesEndToEndTest {

    static final String MESSAGE = "From: Alice <alice@example.org>\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\n"
            + "To: bob@example.test\r\nSubject: greylisted\r\n\r\nHello Bob\r\n.\r\n";

    @TempDir
    Path dir;

    private WardenConfig config(TestDnsServer dns, String extra) throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\nsales: bob@localhost\npostmaster: bob@localhost\n");
        Path bounces = Files.createDirectories(dir.resolve("bounce-rcpts"));
        Files.writeString(bounces.resolve("example.test"), "bob\n");
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen: ["127.0.0.1:0"]
                relay_networks: []
                data_dir: %s
                virtual_domains: %s
                bounce_recipients: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                policy: {max_delay: 0s}
                dnsbl:
                  threshold: 2
                  lists:
                    - zone: bl1.test
                      codes: ["127.0.0.[2..11]"]
                    - bl2.test*1
                %s""".formatted(dir.resolve("var"), virtual, bounces, dns.address().getPort(), extra));
        return ConfigLoader.load(yaml);
    }

    @Test
    void serveDefersANewTripletThenDeliversTheRetryWithItsHeadersToTheMaildir() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("client.example.org", "127.0.0.1").a("1.0.0.127.bl2.test", "127.0.0.2");
            TestClock clock = new TestClock();
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (ServeCommand.Running running = ServeCommand.start(config(dns, "greylist: {delay: 1m}\n"),
                    new PrintStream(console, true), clock)) {
                var address = running.server().boundAddresses().get(0);
                try (Dialogue d = Dialogue.connect(address)) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<alice@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(451, "4.7.1");
                    assertThat(d.lastReply()).anySatisfy(l -> assertThat(l).contains(
                            "127.0.0.1 is not yet authorized to deliver mail from <alice@example.org> to <bob@example.test>. Please try later."));
                    d.send("QUIT").expect(221);
                }
                clock.advance(Duration.ofSeconds(90));
                try (Dialogue d = Dialogue.connect(address)) {
                    d.expect(220).send("EHLO client.example.org").expect(250)
                            .send("MAIL FROM:<alice@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(250)
                            .send("DATA").expect(354).raw(MESSAGE).expect(250)
                            // a bounce to an address that never sends mail (bounce_recipients)
                            .send("MAIL FROM:<>").expect(250)
                            .send("RCPT TO:<sales@example.test>").expect(550, "5.7.1")
                            .send("RSET").expect(250)
                            // a malformed address header is refused at the end of DATA
                            .send("MAIL FROM:<alice@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(250)
                            .send("DATA").expect(354).raw("Date: Tue, 24 Nov 2026 12:00:00 +0000\r\nFrom: alice\r\n\r\nx\r\n.\r\n")
                            .expect(550, "5.6.0")
                            // a message without Date: or Message-ID: is accepted, the missing Date logged
                            .send("MAIL FROM:<alice@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(250)
                            .send("DATA").expect(354).raw("From: alice@example.org\r\nSubject: no date\r\n\r\nno date\r\n.\r\n")
                            .expect(250)
                            .send("QUIT").expect(221);
                }
                assertThat(running.components().greylistStore).isPresent();
            }
            List<Path> delivered;
            try (Stream<Path> s = Files.list(dir.resolve("var/mail/bob/Maildir/new"))) {
                delivered = s.toList();
            }
            assertThat(delivered).hasSize(2);
            String mail = Files.readString(delivered.stream().filter(p -> {
                try {
                    return Files.readString(p).contains("Subject: greylisted");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow());
            assertThat(mail).contains("X-Greylist: delayed 90 seconds by Warden")
                    .contains("X-DNSbl-Warning: 127.0.0.1 is blacklisted by bl2.test")
                    .contains("Subject: greylisted");
            assertThat(Files.exists(dir.resolve("var/greylist.sqlite"))).as("the store is under data_dir").isTrue();
            String mainlog = Files.readString(dir.resolve("var/log/mainlog"));
            assertThat(mainlog).contains("greylist: greylisted").contains("bogus-bounce fail").contains("header-syntax fail")
                    .contains("header-missing-date fail");
        }
    }

    @Test
    void twoBlacklistsDropTheConnection() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("1.0.0.127.bl1.test", "127.0.0.4").txt("1.0.0.127.bl1.test", "https://bl1.test/lookup")
               .a("1.0.0.127.bl2.test", "127.0.0.2");
            try (ServeCommand.Running running = ServeCommand.start(config(dns, ""), new PrintStream(new ByteArrayOutputStream()),
                    new TestClock());
                 Dialogue d = Dialogue.connect(running.server().boundAddresses().get(0))) {
                d.expect(220).send("EHLO client.example.org").expect(250)
                        .send("MAIL FROM:<alice@example.org>").expect(250)
                        .send("RCPT TO:<bob@example.test>").expect(550, "5.7.1");
                assertThat(d.lastReply()).containsExactly(
                        "550-5.7.1 Access denied - 127.0.0.1 is listed by two DNS blacklists",
                        "550-5.7.1 1) bl1.test", "550-5.7.1 https://bl1.test/lookup", "550 5.7.1 2) bl2.test");
                assertThat(d.closedByServer()).isTrue();
            }
        }
    }

    @Test
    void simulateShowsGreylistDnsblAndBogusBounceDecisionsAndRecordsNothing() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.ptr(Cidr.literal("192.0.2.10"), "mail.sender.test").a("mail.sender.test", "192.0.2.10")
               .a("10.2.0.192.bl1.test", "127.0.0.2").txt("10.2.0.192.bl1.test", "listed for testing");
            String script = "EHLO mail.sender.test\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<bob@example.test>\r\n"
                    + "RSET\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster@example.test>\r\nRCPT TO:<sales@example.test>\r\nQUIT\r\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            SimulateCommand.run(config(dns, ""), Cidr.literal("192.0.2.10"),
                    new ByteArrayInputStream(script.getBytes(StandardCharsets.US_ASCII)), new PrintStream(out, true));
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(text).contains(">>> rcpt: dnsbl-warning fail: 192.0.2.10 is blacklisted by bl1.test")
                    .contains(">>> rcpt: would add header X-DNSbl-Warning: 192.0.2.10 is blacklisted by bl1.test")
                    .contains(">>> rcpt: greylist fail: greylisted <a@sender.test> -> <bob@example.test> (peeked, nothing recorded)")
                    .contains(">>> rcpt: defer: 451 4.7.1 192.0.2.10 is not yet authorized to deliver mail from <a@sender.test> to <bob@example.test>. Please try later.")
                    .contains(">>> rcpt: greylist skip: the null sender is greylisted at DATA")
                    .contains(">>> rcpt: bogus-bounce fail: This address never sends outgoing mail.")
                    .contains("550 5.7.1 This address never sends outgoing mail. You are responding to a forged sender address.");
            try (var admin = new warden.greylist.GreylistAdmin(warden.greylist.SqliteGreylistStore.open(dir.resolve("var"),
                    java.time.Clock.systemUTC()), warden.greylist.GreylistSettings.defaults(), java.time.Clock.systemUTC())) {
                assertThat(admin.list(java.util.EnumSet.allOf(warden.greylist.GreylistState.class))).isEmpty();
            }
        }
    }
}
