package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.testing.Dialogue;
import warden.testing.LogWait;
import warden.testing.TestCertificate;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden serve} with {@code tls} set to PEM files and a port 25 and a port 465 listener,
 * end to end: STARTTLS and implicit TLS through the certificates {@code warden.tls} loads, and
 * what the Maildir copy and the main log file say of the TLS a message came over.
 */
class ServeTlsDeliveryTest {

    @TempDir
    Path dir;

    @Test
    void startTlsAndImplicitTlsDeliverWithTheCipherInReceivedAndTheLog() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\n");
        Path cert = dir.resolve("fullchain.pem");
        Path key = dir.resolve("privkey.pem");
        TestCertificate.get().writePem(cert, key);
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "alice:{PLAIN}not-used-here\n");
        Files.setPosixFilePermissions(passwd, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (TestDnsServer dns = TestDnsServer.start()) {
            Path yaml = dir.resolve("warden.yaml");
            Files.writeString(yaml, """
                    hostname: mx.warden.test
                    listen: ["127.0.0.1:0", {address: "127.0.0.1:0", role: submissions}]
                    data_dir: %s
                    virtual_domains: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                    greylist: {enabled: false}
                    tls: {certificate: %s, key: %s}
                    auth: {passwd_file: %s}
                    """.formatted(dir.resolve("var"), virtual, dns.address().getPort(), cert, key, passwd));
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(console, true))) {
                try (Dialogue d = Dialogue.connect(running.server().boundAddresses().get(0))) {
                    d.expect(220).send("EHLO client.example.org").expect(250);
                    assertThat(d.lastReply()).contains("250-STARTTLS");
                    d.send("STARTTLS").expect(220, "2.0.0").startTls("mx.warden.test");
                    d.send("EHLO client.example.org").expect(250);
                    assertThat(d.lastReply()).noneMatch(l -> l.contains("STARTTLS"));
                    d.send("MAIL FROM:<alice@example.org>").expect(250).send("RCPT TO:<bob@example.test>").expect(250)
                            .send("DATA").expect(354)
                            .raw("From: alice@example.org\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\nSubject: tls\r\n\r\nbody\r\n.\r\n")
                            .expect(250).send("QUIT").expect(221);
                }
                try (Dialogue d = Dialogue.connectTls(running.server().boundAddresses().get(1), null)) {
                    d.expect(220, "mx.warden.test ESMTP").send("EHLO client.example.org").expect(250);
                    assertThat(d.lastReply()).noneMatch(l -> l.contains("STARTTLS"));
                    d.send("QUIT").expect(221);
                }
                LogWait.line(console::toString, "<= <alice@example.org>");
            }
            List<Path> bob;
            try (Stream<Path> s = Files.list(dir.resolve("var/mail/bob/Maildir/new"))) {
                bob = s.toList();
            }
            assertThat(bob).hasSize(1);
            assertThat(Files.readString(bob.getFirst()))
                    .containsPattern("\\[127\\.0\\.0\\.1\\]\\)\\n\\t\\(using TLSv1\\.[23] with cipher TLS_[A-Z0-9_]+ \\(\\d+/\\d+ bits\\)\\)\\n\\tby mx\\.warden\\.test with ESMTPS id ");
            String arrival = Files.readString(dir.resolve("var/log/mainlog")).lines()
                    .filter(l -> l.contains("<= <alice@example.org>")).findFirst().orElseThrow();
            assertThat(arrival).containsPattern(" P=esmtps X=TLS1\\.[23]:TLS_[A-Z0-9_]+:\\d+ SNI=mx\\.warden\\.test S=");
        }
    }
}
