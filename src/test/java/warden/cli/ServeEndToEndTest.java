package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.testing.Dialogue;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden serve} wired from a YAML file, end to end: real DNS (the loopback test server),
 * real virtual-domain files, real Maildirs and spool, the main log file.
 */
class ServeEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void aMessageGoesFromTheSocketToTheMaildirsAndTheLog() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\nsales: bob@localhost, far@remote.test\n");
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("client.example.org", "127.0.0.1");
            Path yaml = dir.resolve("warden.yaml");
            Files.writeString(yaml, """
                    hostname: mx.warden.test
                    listen: ["127.0.0.1:0"]
                    relay_networks: []
                    data_dir: %s
                    virtual_domains: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                    checks:
                      helo-bare-ip: {action: deny}
                    policy: {max_delay: 1s}
                    greylist: {enabled: false}
                    """.formatted(dir.resolve("var"), virtual, dns.address().getPort()));
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(console, true))) {
                try (Dialogue d = Dialogue.connect(running.server().boundAddresses().get(0))) {
                    d.inTransaction("alice@example.org", "sales@example.test")
                            .send("RCPT TO:<nobody@example.org>").expect(550, "5.7.1")
                            .send("DATA").expect(354).raw("From: alice@example.org\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\nSubject: e2e\r\n\r\nbody\r\n.\r\n").expect(250)
                            .send("QUIT").expect(221);
                }
                // the queue took far@remote.test at once: no MX for remote.test (NXDOMAIN), so it failed
                warden.testing.LogWait.line(() -> console.toString(), "** far@remote.test R=dnslookup T=remote_smtp");
                // the policy engine is wired in: a bare IP in EHLO is refused at RCPT (reject_at: rcpt)
                try (Dialogue d = Dialogue.connect(running.server().boundAddresses().get(0))) {
                    d.expect(220).send("EHLO 192.0.2.1").expect(250).send("MAIL FROM:<x@example.org>").expect(250)
                            .send("RCPT TO:<bob@example.test>").expect(550, "5.7.1");
                }
            }
            List<Path> bob;
            try (Stream<Path> s = Files.list(dir.resolve("var/mail/bob/Maildir/new"))) {
                bob = s.toList();
            }
            assertThat(bob).hasSize(1);
            assertThat(Files.readString(bob.get(0))).contains("Envelope-to: sales@example.test").contains("Subject: e2e");
            String mainlog = Files.readString(dir.resolve("var/log/mainlog"));
            assertThat(mainlog).contains("<= <alice@example.org>").contains("=> bob").contains("rejected RCPT <nobody@example.org>")
                    .contains("Warden started").contains("stopped")
                    .contains("helo-bare-ip");
            assertThat(console.toString()).contains("<= <alice@example.org>");
        }
    }
}
