package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.auth.PasswordScheme;
import warden.config.ConfigLoader;
import warden.testing.Dialogue;
import warden.testing.TestCa;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code serve} as a submission server, wired as in production: a passwd-file with a
 * SHA512-CRYPT hash, certbot-style PEM files, port 25 and port 587. A user authenticates inside
 * STARTTLS on 587 and relays to the outbound queue; the main log has {@code A=plain:alice} and,
 * for a wrong password, the fail2ban line; port 25 offers no AUTH before STARTTLS.
 */
@Timeout(90)
class ServeSubmissionTest {

    @TempDir
    Path dir;

    @Test
    void aUserSubmitsOn587AfterStartTlsAndAuthAndTheMessageIsQueuedForRelay() throws Exception {
        TestCa.Leaf leaf = TestCa.get().leaf(TestCa.KeyType.EC, "mx.warden.test");
        TestCa.PemPair pem = leaf.write(dir.resolve("tls"), TestCa.KeyEncoding.PKCS8);
        Path passwd = Files.writeString(dir.resolve("passwd"),
                "alice:{SHA512-CRYPT}" + PasswordScheme.SHA512_CRYPT.hash("s3cret".getBytes(StandardCharsets.UTF_8)) + "\n");
        Files.createDirectories(dir.resolve("virtual"));
        try (TestDnsServer dns = TestDnsServer.start()) {
            Path yaml = Files.writeString(dir.resolve("warden.yaml"), """
                    hostname: mx.warden.test
                    data_dir: %s
                    virtual_domains: %s
                    relay_networks: []
                    greylist: {enabled: false}
                    policy: {banner_delay: 0s, max_delay: 0s}
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                    listen: ["127.0.0.1:0", {address: "127.0.0.1:0", role: submission}]
                    tls: {certificate: %s, key: %s}
                    auth: {passwd_file: %s}
                    """.formatted(dir.resolve("var"), dir.resolve("virtual"), dns.address().getPort(),
                    pem.certificate(), pem.key(), passwd));
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            try (ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(console, true))) {
                List<InetSocketAddress> ports = running.server().boundAddresses();
                try (Dialogue d = Dialogue.connect(ports.getFirst())) {
                    d.expect(220).send("EHLO laptop.example.org").expect(250);
                    assertThat(d.lastReply()).contains("250-STARTTLS").noneMatch(l -> l.contains("AUTH"));
                }
                try (Dialogue d = Dialogue.connect(ports.get(1))) {
                    d.expect(220).send("EHLO laptop.example.org").expect(250)
                            .send("MAIL FROM:<alice@example.org>").expect(530)
                            .send("STARTTLS").expect(220).startTls("mx.warden.test");
                    d.send("EHLO laptop.example.org").expect(250);
                    assertThat(d.lastReply()).contains("250-AUTH PLAIN LOGIN");
                    d.send("AUTH PLAIN " + plain("alice", "wrong")).expect(535, "5.7.8")
                            .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                            .send("MAIL FROM:<alice@example.org>").expect(250)
                            .send("RCPT TO:<friend@elsewhere.example>").expect(250)
                            .send("DATA").expect(354).raw("Subject: from 587\r\n\r\nhi\r\n.\r\n").expect(250, "queued as")
                            .send("QUIT").expect(221);
                }
                String log = waitFor(dir.resolve("var/log/mainlog"), " <= <alice@example.org>");
                assertThat(log).contains("AUTH failed: PLAIN user=alice (wrong password): 535 5.7.8")
                        .contains(" P=esmtpsa X=TLS1.3:").contains(" A=plain:alice S=")
                        .doesNotContain("s3cret");
                assertThat(log.lines().filter(l -> l.contains(" <= <alice@example.org>")).findFirst().orElseThrow())
                        .contains("for friend@elsewhere.example");
            }
        }
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String waitFor(Path log, String fragment) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        String text = "";
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) text = Files.readString(log);
            if (text.contains(fragment)) return text;
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + fragment + "' in the main log:\n" + text);
    }
}
