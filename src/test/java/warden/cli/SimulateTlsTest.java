package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.mail.Cidr;
import warden.testing.TestDnsServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden simulate --tls IP}: a session that behaves as under TLS without a handshake
 * (seed 004: "With TLS, simulating a connection is not possible"), and STARTTLS simulated when
 * {@code tls} is configured.
 */
class SimulateTlsTest {

    @TempDir
    Path dir;

    @Test
    void withTlsTheSessionIsEncryptedFromTheStartAndSaysSo() throws Exception {
        String text = simulate("", true, "EHLO mail.sender.test\r\nSTARTTLS\r\nMAIL FROM:<a@sender.test>\r\n"
                + "RCPT TO:<bob@example.test>\r\nDATA\r\nFrom: a@sender.test\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\n"
                + "Subject: s\r\n\r\nhi\r\n.\r\nQUIT\r\n");
        assertThat(text).contains(">>> TLS simulated from the start: TLSv1.3")
                .doesNotContain("250-STARTTLS")
                .contains("503 5.5.1 TLS already active")
                .contains(">>> received with ESMTPS (using TLSv1.3 with cipher simulated)")
                .contains("221 2.0.0");
    }

    @Test
    void withACertificateConfiguredStartTlsIsOfferedAndItsHandshakeSimulated() throws Exception {
        String text = simulate("tls: {certificate: /etc/warden/fullchain.pem, key: /etc/warden/privkey.pem}\n", false,
                "EHLO mail.sender.test\r\nSTARTTLS\r\nMAIL FROM:<a@sender.test>\r\nEHLO mail.sender.test\r\nQUIT\r\n");
        assertThat(text).contains("250-STARTTLS")
                .contains("220 2.0.0 Ready to start TLS")
                .contains(">>> STARTTLS: handshake simulated")
                .contains("503 5.5.1 Send HELO or EHLO first"); // RFC 3207 4.2: the greeting is forgotten
        String afterTls = text.substring(text.indexOf("Ready to start TLS"));
        assertThat(afterTls).contains("250-PIPELINING").doesNotContain("STARTTLS\n").doesNotContain("250-STARTTLS");
    }

    @Test
    void withoutTlsNothingIsOfferedOrPretended() throws Exception {
        String text = simulate("", false, "EHLO mail.sender.test\r\nSTARTTLS\r\nQUIT\r\n");
        assertThat(text).doesNotContain("250-STARTTLS").contains("502 5.5.1").doesNotContain("TLS simulated");
    }

    private String simulate(String yaml, boolean tls, String script) throws Exception {
        Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(dir.resolve("virtual/example.test"), "bob: bob@localhost\n");
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.ptr(Cidr.literal("192.0.2.10"), "mail.sender.test").a("mail.sender.test", "192.0.2.10");
            WardenConfig config = ConfigLoader.parse("""
                    hostname: mx.warden.test
                    data_dir: %s
                    virtual_domains: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                    greylist: {enabled: false}
                    """.formatted(dir.resolve("var"), dir.resolve("virtual"), dns.address().getPort()) + yaml, "sim.yaml");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = SimulateCommand.run(config, Cidr.literal("192.0.2.10"), new SimulateCommand.Options(tls),
                    new ByteArrayInputStream(script.getBytes(StandardCharsets.US_ASCII)), new PrintStream(out, true));
            assertThat(rc).isZero();
            return out.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
        }
    }
}
