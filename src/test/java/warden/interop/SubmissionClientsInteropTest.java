package warden.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.WardenConfig.Role;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The programs users and scripts submit mail with, against a real {@code warden serve}
 * ({@link SubmissionWarden}): swaks {@code --tls --auth PLAIN|LOGIN} on the submission port (587)
 * and {@code --tls-on-connect} on submissions (465), each checking the certificate chain against
 * the test CA; Python's {@code smtplib} ({@code starttls()} then {@code login()}, and
 * {@code SMTP_SSL}); and a wrong password from both, which must get 535 5.7.8 and log no
 * password. Good logins deliver to a local Maildir or relay to {@code remote.test}; the main log
 * names the login ({@code A=plain:alice}) and the TLS version ({@code X=TLS1.}). Each case is a
 * row of {@link InteropMatrix}.
 *
 * <p>Standards: RFC 6409 (submission), RFC 8314 (implicit TLS), RFC 3207 (STARTTLS), RFC 4954
 * (AUTH; 535 5.7.8), RFC 4616 (PLAIN), draft-murchison-sasl-login (LOGIN), RFC 3848.
 */
class SubmissionClientsInteropTest {

    private static final Pattern SWAKS_TLS = Pattern.compile("=== TLS started with cipher (TLSv[0-9.]+):([^:\\s]+)");

    @TempDir
    Path dir;
    SubmissionWarden warden;

    @BeforeEach
    void start() throws Exception {
        warden = SubmissionWarden.start(dir);
    }

    @AfterEach
    void stop() {
        warden.close();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void swaksStarttlsAuthPlainDeliversToALocalUser() throws Exception {
        var row = InteropMatrix.row("swaks --tls --auth PLAIN", "587 (submission)", "good password, local user");
        String out = swaks(warden.port(Role.SUBMISSION), "--tls", "--auth", "PLAIN", "--to", "bob@example.test");
        assertThat(out).containsPattern("<~  235 2\\.7\\.0").containsPattern("<~  250 2\\.0\\.0 .*queued").contains("exit=0");
        warden.awaitDelivered("bob", 1);
        String arrival = warden.awaitLine(" <= <alice@example.org> ");
        assertThat(arrival).contains(" A=plain:alice").contains(" X=TLS1.");
        row.passed(tls(out) + "; 235 2.7.0; 250 queued; delivered to bob's Maildir; log A=plain:alice X=" + x(arrival));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void swaksStarttlsAuthLoginRelays() throws Exception {
        var row = InteropMatrix.row("swaks --tls --auth LOGIN", "587 (submission)", "good password, relay");
        String out = swaks(warden.port(Role.SUBMISSION), "--tls", "--auth", "LOGIN", "--to", "carol@remote.test");
        assertThat(out).containsPattern("<~  235 2\\.7\\.0").containsPattern("<~  250 2\\.0\\.0 .*queued").contains("exit=0");
        assertThat(warden.remote().awaitMessages(1, Duration.ofSeconds(30)).get(0).recipients())
                .containsExactly("carol@remote.test");
        String arrival = warden.awaitLine(" <= <alice@example.org> ");
        assertThat(arrival).contains(" A=login:alice").contains(" X=TLS1.");
        row.passed(tls(out) + "; 334/334/235 2.7.0; 250 queued; relayed to remote.test; log A=login:alice");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void swaksWithAWrongPasswordGets535() throws Exception {
        var row = InteropMatrix.row("swaks --tls --auth PLAIN", "587 (submission)", "wrong password");
        String out = swaks(warden.port(Role.SUBMISSION), "--tls", "--auth", "PLAIN", "--auth-password", "not the password",
                "--to", "bob@example.test");
        assertThat(out).containsPattern("<~\\* 535 5\\.7\\.8").doesNotContain("queued").doesNotContain("exit=0");
        assertThat(warden.delivered("bob")).isEmpty();
        String log = warden.awaitLine("alice", "535");
        assertThat(warden.log()).doesNotContain("not the password").doesNotContain(SubmissionWarden.PASSWORD);
        row.passed(tls(out) + "; 535 5.7.8, nothing delivered; the failure in the main log, no password in it");
        assertThat(log).isNotEmpty();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void swaksTlsOnConnectToTheSubmissionsPort() throws Exception {
        var row = InteropMatrix.row("swaks --tls-on-connect --auth PLAIN", "465 (submissions)", "good password, local user");
        String out = swaks(warden.port(Role.SUBMISSIONS), "--tls-on-connect", "--auth", "PLAIN", "--to", "bob@example.test");
        assertThat(out).containsPattern("<~  220 ").containsPattern("<~  235 2\\.7\\.0")
                .containsPattern("<~  250 2\\.0\\.0 .*queued").contains("exit=0").doesNotContain("STARTTLS");
        warden.awaitDelivered("bob", 1);
        assertThat(warden.awaitLine(" <= <alice@example.org> ")).contains(" A=plain:alice").contains(" X=TLS1.");
        row.passed(tls(out) + " from the first byte; no STARTTLS offered; 235 2.7.0; 250 queued; delivered");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pythonSmtplibStarttlsAndLogin() throws Exception {
        var row = InteropMatrix.row("Python smtplib starttls() + login()", "587 (submission)", "good password, local user");
        String json = smtplib("starttls", warden.port(Role.SUBMISSION), SubmissionWarden.PASSWORD, "bob@example.test");
        assertThat(json).contains("\"starttls\": 220").contains("\"login\": 235").contains("\"refused\": {}")
                .contains("\"quit\": 221");
        assertThat(features(json, "plain_features")).contains("\"starttls\"").doesNotContain("\"auth\"");
        assertThat(features(json, "tls_features")).contains("\"auth\"").doesNotContain("\"starttls\"");
        warden.awaitDelivered("bob", 1);
        assertThat(warden.awaitLine(" <= <alice@example.org> ")).contains(" A=").contains(":alice").contains(" X=TLS1.");
        row.passed(field(json, "tls_version") + " " + field(json, "cipher")
                + "; AUTH only after STARTTLS, STARTTLS not again; login 235; sendmail accepted; delivered");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pythonSmtpSslToTheSubmissionsPort() throws Exception {
        var row = InteropMatrix.row("Python smtplib SMTP_SSL + login()", "465 (submissions)", "good password, relay");
        String json = smtplib("ssl", warden.port(Role.SUBMISSIONS), SubmissionWarden.PASSWORD, "carol@remote.test");
        assertThat(json).contains("\"banner\": 220").contains("\"login\": 235").contains("\"refused\": {}");
        assertThat(features(json, "tls_features")).contains("\"auth\"").doesNotContain("\"starttls\"");
        assertThat(warden.remote().awaitMessages(1, Duration.ofSeconds(30))).hasSize(1);
        row.passed(field(json, "tls_version") + " " + field(json, "cipher") + "; login 235; relayed to remote.test");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void pythonSmtplibWithAWrongPasswordGets535() throws Exception {
        var row = InteropMatrix.row("Python smtplib starttls() + login()", "587 (submission)", "wrong password");
        String json = smtplib("starttls", warden.port(Role.SUBMISSION), "Tr0ub4dor&3", "bob@example.test");
        assertThat(json).contains("\"login\": 535").contains("5.7.8");
        assertThat(warden.delivered("bob")).isEmpty();
        assertThat(warden.log()).doesNotContain("Tr0ub4dor");
        row.passed(field(json, "tls_version") + "; SMTPAuthenticationError 535 5.7.8; nothing delivered, no password logged");
    }

    // ---- the clients

    private String swaks(int port, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port),
                "--timeout", "30", "--helo", "client.example.org", "--from", "alice@example.org",
                "--tls-verify", "--tls-ca-path", warden.caFile().toString(), "--tls-sni", SubmissionWarden.NAME,
                "--auth-user", SubmissionWarden.USER, "--auth-password", SubmissionWarden.PASSWORD));
        cmd.addAll(List.of(args)); // a later --auth-password wins
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }

    private String smtplib(String mode, int port, String password, String to) throws IOException, InterruptedException {
        Path script = dir.resolve("smtplib_client.py");
        try (InputStream in = getClass().getResourceAsStream("smtplib_client.py")) {
            assertThat(in).as("smtplib_client.py on the test classpath").isNotNull();
            Files.write(script, in.readAllBytes());
        }
        Process p = new ProcessBuilder("python3", script.toString(), mode, String.valueOf(port), SubmissionWarden.NAME,
                warden.caFile().toString(), SubmissionWarden.USER, password, "alice@example.org", to)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** "TLSv1.3 TLS_AES_256_GCM_SHA384" from swaks' "=== TLS started with cipher TLSv1.3:TLS_AES_256_GCM_SHA384:256". */
    private static String tls(String swaks) {
        Matcher m = SWAKS_TLS.matcher(swaks);
        assertThat(m.find()).as(swaks).isTrue();
        return m.group(1) + " " + m.group(2);
    }

    private static String x(String logLine) {
        Matcher m = Pattern.compile(" X=(\\S+)").matcher(logLine);
        return m.find() ? m.group(1) : "?";
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": \"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    private static String features(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\": \\[([^]]*)]").matcher(json);
        assertThat(m.find()).as(json).isTrue();
        return m.group(1);
    }
}
