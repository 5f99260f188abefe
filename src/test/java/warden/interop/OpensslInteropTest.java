package warden.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.WardenConfig.Role;
import warden.testing.ScriptedSmtpServer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code openssl s_client}, as the seed's "Using openssl to test" section uses it, against each
 * listener role of a real {@code warden serve} ({@link SubmissionWarden}): STARTTLS on the
 * {@code mx} (port 25) and {@code submission} (587) listeners, TLS from the first byte on
 * {@code submissions} (465). Each session verifies the certificate chain (leaf and intermediate
 * from {@code fullchain.pem}) against the test CA for the SNI name, then, inside TLS, sends EHLO
 * (which must not offer STARTTLS again), authenticates where the role wants it, and sends a
 * message, so that the main log's arrival line shows the TLS version and cipher s_client
 * negotiated ({@code X=}), the SNI name and the login ({@code A=}). TLS 1.2 gets an ECDHE AEAD
 * suite; a client offering only TLS 1.1 gets no handshake. Each case is a row of
 * {@link InteropMatrix}.
 *
 * <p>Standards: RFC 3207 (STARTTLS; 4.2: the session starts again, STARTTLS not offered again),
 * RFC 8314 (implicit TLS, TLS 1.2 or later), RFC 6066 section 3 (SNI), RFC 4954 and RFC 4616
 * (AUTH PLAIN), draft-murchison-sasl-login (LOGIN), RFC 3848 (ESMTPS, ESMTPSA).
 */
class OpensslInteropTest {

    private static final String CLIENT = "openssl s_client";
    private static final String SNI = SubmissionWarden.NAME;

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
    void starttlsOnTheMxPortThenMailToALocalUser() throws Exception {
        var row = InteropMatrix.row(CLIENT + " -starttls smtp", "25 (mx)", "STARTTLS, EHLO, mail to a local user");
        try (OpensslSession s = OpensslSession.starttls(warden.port(Role.MX), SNI, warden.caFile())) {
            String ehlo = s.command("EHLO client.example.org");
            assertThat(ehlo).startsWith("250").doesNotContain("STARTTLS");
            String protocol = s.protocol();
            String cipher = s.cipher();
            assertThat(s.verified()).as(s.stderr()).isTrue();
            assertThat(protocol).isEqualTo("TLSv1.3");
            String queued = send(s, "alice@example.org", "bob@example.test");
            String arrival = warden.awaitLine(" <= <alice@example.org> ");
            assertThat(arrival).contains(" X=" + xField(protocol, cipher)).contains(" SNI=" + SNI).doesNotContain(" A=");
            String stored = Files.readString(warden.awaitDelivered("bob", 1).get(0), StandardCharsets.UTF_8);
            assertThat(stored).containsPattern("with ESMTPS");
            row.passed(protocol + " " + cipher + ", chain verified; EHLO inside TLS without STARTTLS; " + code(queued)
                    + "; log X=" + xField(protocol, cipher) + " and SNI " + SNI + "; Received: ESMTPS");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tls12GetsAnEcdheAeadSuite() throws Exception {
        var row = InteropMatrix.row(CLIENT + " -starttls smtp -tls1_2", "25 (mx)", "TLS 1.2 only");
        try (OpensslSession s = OpensslSession.starttls(warden.port(Role.MX), SNI, warden.caFile(), "-tls1_2")) {
            String ehlo = s.command("EHLO client.example.org");
            assertThat(ehlo).startsWith("250").doesNotContain("STARTTLS");
            assertThat(s.protocol()).isEqualTo("TLSv1.2");
            assertThat(s.cipher()).startsWith("ECDHE-").containsAnyOf("GCM", "CHACHA20");
            assertThat(s.verified()).isTrue();
            String quit = s.command("QUIT");
            assertThat(quit).startsWith("221");
            row.passed("TLSv1.2 " + s.cipher() + ", chain verified; EHLO without STARTTLS; 221");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aClientOfferingOnlyTls11GetsNoHandshake() throws Exception {
        var row = InteropMatrix.row(CLIENT + " -starttls smtp -tls1_1", "25 (mx)", "TLS 1.1 only");
        // OpenSSL 3 itself allows TLS 1.1 only at security level 0.
        try (OpensslSession s = OpensslSession.starttls(warden.port(Role.MX), SNI, warden.caFile(), "-tls1_1",
                "-cipher", "DEFAULT:@SECLEVEL=0")) {
            int status = s.awaitExit();
            assertThat(status).as(s.stderr()).isNotZero();
            assertThat(s.stderr()).doesNotContain("CONNECTION ESTABLISHED");
            row.passed("no handshake (s_client exit " + status + "): only TLS 1.2 and 1.3 are served");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void starttlsOnTheSubmissionPortThenAuthPlainAndRelay() throws Exception {
        var row = InteropMatrix.row(CLIENT + " -starttls smtp", "587 (submission)", "STARTTLS, AUTH PLAIN, relay");
        try (OpensslSession s = OpensslSession.starttls(warden.port(Role.SUBMISSION), SNI, warden.caFile())) {
            String ehlo = s.command("EHLO client.example.org");
            assertThat(ehlo).startsWith("250").doesNotContain("STARTTLS").containsPattern("AUTH[ =].*PLAIN");
            String protocol = s.protocol();
            String cipher = s.cipher();
            assertThat(s.verified()).isTrue();
            String auth = s.command("AUTH PLAIN " + base64("\0" + SubmissionWarden.USER + "\0" + SubmissionWarden.PASSWORD));
            assertThat(auth).startsWith("235 2.7.0");
            String queued = send(s, "alice@example.org", "carol@remote.test");
            List<ScriptedSmtpServer.Message> relayed = warden.remote().awaitMessages(1, Duration.ofSeconds(30));
            assertThat(relayed.get(0).recipients()).containsExactly("carol@remote.test");
            String arrival = warden.awaitLine(" <= <alice@example.org> ");
            assertThat(arrival).contains(" A=plain:" + SubmissionWarden.USER).contains(" X=" + xField(protocol, cipher))
                    .contains(" SNI=" + SNI);
            assertThat(warden.log()).doesNotContain(SubmissionWarden.PASSWORD);
            row.passed(protocol + " " + cipher + "; EHLO inside TLS: AUTH, no STARTTLS; 235 2.7.0; " + code(queued)
                    + ", relayed to remote.test; log A=plain:" + SubmissionWarden.USER + ", X=, SNI");
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void implicitTlsOnTheSubmissionsPortThenAuthLogin() throws Exception {
        var row = InteropMatrix.row(CLIENT + " -connect", "465 (submissions)", "TLS at connect, AUTH LOGIN, local mail");
        try (OpensslSession s = OpensslSession.implicit(warden.port(Role.SUBMISSIONS), SNI, warden.caFile())) {
            assertThat(s.reply()).startsWith("220 ");
            String ehlo = s.command("EHLO client.example.org");
            assertThat(ehlo).startsWith("250").doesNotContain("STARTTLS").containsPattern("AUTH[ =].*LOGIN");
            String protocol = s.protocol();
            String cipher = s.cipher();
            assertThat(s.verified()).isTrue();
            assertThat(s.command("AUTH LOGIN")).startsWith("334 ");
            assertThat(s.command(base64(SubmissionWarden.USER))).startsWith("334 ");
            assertThat(s.command(base64(SubmissionWarden.PASSWORD))).startsWith("235 2.7.0");
            String queued = send(s, "alice@example.org", "bob@example.test");
            String arrival = warden.awaitLine(" <= <alice@example.org> ");
            assertThat(arrival).contains(" A=login:" + SubmissionWarden.USER).contains(" X=" + xField(protocol, cipher))
                    .contains(" SNI=" + SNI);
            String stored = Files.readString(warden.awaitDelivered("bob", 1).get(0), StandardCharsets.UTF_8);
            assertThat(stored).contains("with ESMTPSA");
            row.passed(protocol + " " + cipher + " from the first byte; 220 inside TLS; EHLO: AUTH, no STARTTLS; 334/334/235; "
                    + code(queued) + ", delivered; log A=login:" + SubmissionWarden.USER + ", X=, SNI; Received: ESMTPSA");
        }
    }

    /** MAIL, RCPT, DATA, a short message, the dot and QUIT; returns the reply to the dot. */
    private static String send(OpensslSession s, String from, String to) throws Exception {
        assertThat(s.command("MAIL FROM:<" + from + ">")).startsWith("250");
        assertThat(s.command("RCPT TO:<" + to + ">")).startsWith("250");
        assertThat(s.command("DATA")).startsWith("354");
        s.send("From: <" + from + ">");
        s.send("To: <" + to + ">");
        s.send("Subject: openssl s_client interop");
        s.send("");
        s.send("Typed into openssl s_client.");
        String queued = s.command(".");
        assertThat(queued).startsWith("250 ");
        assertThat(s.command("QUIT")).startsWith("221");
        return queued;
    }

    /**
     * The start of Exim's X= field for what openssl printed: TLSv1.3 and TLS_AES_256_GCM_SHA384 are
     * {@code TLS1.3:TLS_AES_256_GCM_SHA384:} (TLS 1.3 suites have the same name in OpenSSL and
     * Java; TLS 1.2 ones do not, so only the version is compared there).
     */
    static String xField(String protocol, String cipher) {
        String version = protocol.replace("TLSv", "TLS") + ":";
        return cipher.startsWith("TLS_") ? version + cipher + ":" : version;
    }

    /** "250 2.0.0" of a reply. */
    static String code(String reply) {
        String[] words = reply.strip().split(" ", 3);
        return words.length >= 2 ? words[0] + " " + words[1] : reply.strip();
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
