package warden.interop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.WardenConfig.Role;
import warden.testing.PostfixInstance;
import warden.testing.ScriptedSmtpServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Postfix sends through Warden's submission port as its {@code relayhost}, the way a small
 * office's or a laptop's Postfix relays through its provider: {@code smtp_sasl_auth_enable = yes}
 * with the password in a {@code postmap}'d {@code smtp_sasl_password_maps} table,
 * {@code smtp_sasl_security_options = noanonymous}, {@code smtp_tls_security_level = encrypt} and
 * {@code smtp_tls_CAfile} = the test CA ({@link PostfixInstance.Builder#relayhost}). Two messages
 * put into that Postfix over SMTP come out through Warden: one delivered to a Warden Maildir, one
 * relayed on to {@code remote.test}. Postfix logs a trusted TLS connection to Warden and
 * {@code status=sent}; Warden's arrival lines show {@code A=plain:alice} (Postfix's Cyrus client
 * chooses PLAIN) and {@code X=TLS1.3:...} with the cipher Postfix logged; the password is in no log.
 *
 * <p>Standards: RFC 6409 (submission), RFC 3207 (STARTTLS), RFC 4954 and RFC 4616 (AUTH PLAIN),
 * RFC 3848 ({@code ESMTPSA}); Postfix's SASL_README ("Enabling SASL authentication in the Postfix
 * SMTP/LMTP client") and TLS_README ({@code smtp_tls_security_level = encrypt}).
 */
class PostfixRelayhostTest {

    private static final Pattern POSTFIX_TLS = Pattern.compile("TLS connection established to \\S+: (TLSv1\\.[23]) with cipher (\\S+)");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void aRealPostfixRelaysThroughTheSubmissionPortWithAuthOverTls() throws Exception {
        var row = InteropMatrix.row("Postfix 3.7 smtp(8) as relayhost client", "587 (submission)",
                "smtp_sasl_auth_enable, smtp_tls_security_level = encrypt");
        try (SubmissionWarden warden = SubmissionWarden.start(dir.resolve("warden"));
             PostfixInstance postfix = PostfixInstance.in(dir).domain("postfix.test")
                     .relayhost("[127.0.0.1]:" + warden.port(Role.SUBMISSION), SubmissionWarden.USER,
                             SubmissionWarden.PASSWORD, warden.caFile())
                     .start()) {
            inject(postfix, "bob@example.test", "through Postfix to a Warden Maildir");
            inject(postfix, "carol@remote.test", "through Postfix and Warden to remote.test");

            List<Path> delivered = warden.awaitDelivered("bob", 1);
            String stored = Files.readString(delivered.get(0), StandardCharsets.UTF_8);
            assertThat(stored).contains("Subject: through Postfix to a Warden Maildir").contains("with ESMTPSA");
            List<ScriptedSmtpServer.Message> relayed = warden.remote().awaitMessages(1, Duration.ofSeconds(60));
            assertThat(relayed.get(0).recipients()).containsExactly("carol@remote.test");
            assertThat(relayed.get(0).text()).contains("Subject: through Postfix and Warden to remote.test");

            String tls = postfix.awaitLine("TLS connection established to 127.0.0.1[127.0.0.1]:" + warden.port(Role.SUBMISSION));
            assertThat(tls).contains("Trusted TLS connection"); // the chain verified against smtp_tls_CAfile
            Matcher m = POSTFIX_TLS.matcher(tls);
            assertThat(m.find()).as(tls).isTrue();
            postfix.awaitLine("to=<bob@example.test>", "relay=127.0.0.1[127.0.0.1]:" + warden.port(Role.SUBMISSION), "status=sent");
            postfix.awaitLine("to=<carol@remote.test>", "status=sent");

            String arrival = warden.awaitLine(" <= <alice@postfix.test> ", "bob@example.test");
            String x = "X=" + m.group(1).replace("TLSv", "TLS") + ":" + m.group(2) + ":";
            assertThat(arrival).contains(" A=plain:" + SubmissionWarden.USER).contains(" " + x);
            assertThat(warden.awaitLine(" <= <alice@postfix.test> ", "carol@remote.test")).contains(" A=plain:" + SubmissionWarden.USER);
            assertThat(warden.log()).doesNotContain(SubmissionWarden.PASSWORD);
            assertThat(postfix.log()).doesNotContain(SubmissionWarden.PASSWORD);
            row.passed(m.group(1) + " " + m.group(2) + " (Postfix: Trusted TLS connection); AUTH PLAIN accepted; "
                    + "status=sent for both; one delivered to a Warden Maildir, one relayed on; Warden log A=plain:"
                    + SubmissionWarden.USER + " " + x + "...; no password in either log");
        }
    }

    /** Puts a message into Postfix over SMTP from 127.0.0.1 (in its mynetworks), with swaks. */
    private static void inject(PostfixInstance postfix, String to, String subject) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("swaks", "--server", "127.0.0.1", "--port", String.valueOf(postfix.port()),
                "--timeout", "30", "--helo", "client.postfix.test", "--from", "alice@postfix.test", "--to", to,
                "--header", "Subject: " + subject).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(out).contains("250 2.0.0 Ok: queued as");
    }
}
