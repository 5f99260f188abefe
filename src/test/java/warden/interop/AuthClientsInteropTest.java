package warden.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.testing.Fail2banFilter;
import warden.testing.MemoryAuthenticator;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;
import warden.testing.TestTlsServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Real SMTP clients authenticating on port 587 inside STARTTLS: swaks {@code --tls --auth} with
 * PLAIN and LOGIN, and Python's smtplib {@code starttls()}/{@code login()}; a wrong password is
 * refused with 535 and leaves a fail2ban line, never the password.
 */
@Timeout(120)
class AuthClientsInteropTest {

    static final String YAML = """
            relay_networks: []
            listen:
              - {address: "127.0.0.1:0", role: submission}
            tls: {certificate: /etc/warden/fullchain.pem, key: /etc/warden/privkey.pem}
            auth: {passwd_file: /etc/warden/passwd}
            """;

    TestSmtp smtp;
    final RecordingStore store = new RecordingStore();

    @BeforeEach
    void start() throws IOException {
        smtp = new TestSmtp(YAML, store, new TestTlsServer(), new MemoryAuthenticator());
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    private String run(List<String> cmd, String stdin) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail(cmd.getFirst() + " is not installed (.ci/run installs swaks and python3)");
            throw e;
        }
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }

    private String swaks(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port",
                String.valueOf(smtp.address().getPort()), "--helo", "laptop.example.org", "--tls"));
        cmd.addAll(List.of(args));
        return run(cmd, "");
    }

    @Test
    void swaksAuthenticatesWithPlainAndLoginInsideStartTls() throws Exception {
        for (String mechanism : List.of("PLAIN", "LOGIN")) {
            String out = swaks("--auth", mechanism, "--auth-user", "alice", "--auth-password", "s3cret",
                    "--from", "alice@example.org", "--to", "bob@example.test", "--header", "Subject: " + mechanism);
            assertThat(out).as(out).contains("250-AUTH PLAIN LOGIN").contains("235 2.7.0").contains("queued as").contains("exit=0");
        }
        assertThat(store.messages).hasSize(2).allSatisfy(m -> assertThat(m.trace().protocol()).isEqualTo("ESMTPSA"));
        assertThat(smtp.awaitLine("A=login:alice")).contains("P=esmtpsa");
        assertThat(smtp.awaitLine("A=plain:alice")).contains("P=esmtpsa");
        // RFC 6409 8.2/8.3: swaks sends Date: and Message-ID: itself, so nothing is added
        assertThat(store.messages.getFirst().extraHeaders()).isEmpty();
    }

    @Test
    void aWrongPasswordIs535AndOneFail2banLineWithoutThePassword() throws Exception {
        String out = swaks("--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "Guess-123",
                "--from", "alice@example.org", "--to", "bob@example.test");
        assertThat(out).contains("535 5.7.8").doesNotContain("queued as").doesNotContain("exit=0");
        String line = smtp.awaitLine("AUTH failed");
        assertThat(line).contains("LOGIN user=alice (wrong password): 535 5.7.8").doesNotContain("Guess-123");
        assertThat(Fail2banFilter.banned(line)).as(line).contains("127.0.0.1");
        assertThat(smtp.log()).doesNotContain("Guess-123");
    }

    @Test
    void pythonSmtplibStartsTlsLogsInAndSends() throws Exception {
        String script = """
                import smtplib, ssl, sys
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE   # the test CA is not in Python's store
                s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="laptop.example.org", timeout=30)
                s.starttls(context=ctx)
                s.ehlo("laptop.example.org")
                print("auth:", s.esmtp_features.get("auth", "").strip())
                try:
                    s.login("alice", "wrong")
                except smtplib.SMTPAuthenticationError as e:
                    print("refused:", e.smtp_code)
                code, _ = s.login("alice", "s3cret")
                print("login:", code)
                s.sendmail("alice@example.org", ["bob@example.test"], "From: alice@example.org\\r\\nSubject: py\\r\\n\\r\\nhi\\r\\n")
                s.quit()
                print("sent")
                """;
        Path file = Files.createTempFile("smtplib", ".py");
        try {
            Files.writeString(file, script);
            String out = run(List.of("python3", file.toString(), String.valueOf(smtp.address().getPort())), "");
            assertThat(out).as(out).contains("auth: PLAIN LOGIN").contains("refused: 535").contains("login: 235")
                    .contains("sent").contains("exit=0");
        } finally {
            Files.deleteIfExists(file);
        }
        // smtplib's message had neither Date: nor Message-ID:: the submission port added them
        assertThat(store.messages).singleElement().satisfies(m -> assertThat(m.extraHeaders())
                .anySatisfy(h -> assertThat(h).startsWith("Date: "))
                .anySatisfy(h -> assertThat(h).startsWith("Message-ID: <")));
    }
}
