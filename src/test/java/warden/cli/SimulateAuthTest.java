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
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden simulate --tls --auth USER IP}: an encrypted, authenticated session from the first
 * command (issue 9 section 6), through the real session and policy: relaying allowed, the checks
 * skipped, {@code auth.sender_login} applied, {@code with ESMTPSA}.
 */
class SimulateAuthTest {

    @TempDir
    Path dir;

    @Test
    void anAuthenticatedSessionMayRelayAndIsExemptFromTheChecks() throws Exception {
        String text = simulate(Optional.of("alice"), "auth: {passwd_file: " + dir.resolve("passwd") + "}\n",
                "EHLO laptop\r\nAUTH PLAIN AGFsaWNlAHgx\r\nMAIL FROM:<alice@example.org>\r\n"
                + "RCPT TO:<friend@elsewhere.example>\r\nDATA\r\nSubject: s\r\n\r\nhi\r\n.\r\nQUIT\r\n");
        assertThat(text).contains(">>> authenticated as alice (simulated)")
                .contains("503 5.5.1 Already authenticated")
                .contains(">>> helo: helo-not-fqdn skip: exempt: the client is authenticated")
                .contains(">>> message accepted for [friend@elsewhere.example]")
                .contains(">>> received with ESMTPSA (using TLSv1.3 with cipher simulated)")
                .contains("221 2.0.0");
    }

    @Test
    void withoutAuthTheSameClientMayNotRelay() throws Exception {
        String text = simulate(Optional.empty(), "EHLO laptop\r\nMAIL FROM:<alice@example.org>\r\n"
                + "RCPT TO:<friend@elsewhere.example>\r\nQUIT\r\n");
        assertThat(text).doesNotContain("authenticated as").doesNotContain("message accepted").contains("\n550 ");
    }

    @Test
    void theSenderLoginMapAppliesToTheSimulatedLogin() throws Exception {
        Files.writeString(dir.resolve("sender-login"), "alice@example.org: alice\n");
        String text = simulate(Optional.of("bob"), "auth: {passwd_file: " + dir.resolve("passwd") + ", sender_login: "
                + dir.resolve("sender-login") + "}\n", "EHLO laptop\r\nMAIL FROM:<alice@example.org>\r\nQUIT\r\n");
        assertThat(text).contains("553 5.7.1 <alice@example.org>: Sender address rejected: not owned by user bob");
    }

    private String simulate(Optional<String> login, String script) throws Exception {
        return simulate(login, "", script);
    }

    private String simulate(Optional<String> login, String yaml, String script) throws Exception {
        Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(dir.resolve("virtual/example.test"), "bob: bob@localhost\n");
        Files.writeString(dir.resolve("passwd"), "");
        try (TestDnsServer dns = TestDnsServer.start()) {
            WardenConfig config = ConfigLoader.parse("""
                    hostname: mx.warden.test
                    data_dir: %s
                    virtual_domains: %s
                    relay_networks: []
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                    greylist: {enabled: false}
                    checks: {helo-not-fqdn: {action: deny}}
                    """.formatted(dir.resolve("var"), dir.resolve("virtual"), dns.address().getPort()) + yaml, "sim.yaml");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = SimulateCommand.run(config, Cidr.literal("192.0.2.10"), new SimulateCommand.Options(true, login),
                    new ByteArrayInputStream(script.getBytes(StandardCharsets.US_ASCII)), new PrintStream(out, true));
            assertThat(rc).isZero();
            return out.toString(StandardCharsets.UTF_8).replace("\r\n", "\n");
        }
    }
}
