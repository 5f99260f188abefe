package warden.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.testing.ScriptedSmtpServer.Step;
import warden.testing.ScriptedSmtpServer.Tls;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The test peer itself: what it answers, and that it records what a client did. */
@Timeout(30)
class ScriptedSmtpServerTest {

    @Test
    void recordsEnvelopeAndDotUnstuffedContentAndAnswersPerRecipient() throws Exception {
        try (var peer = ScriptedSmtpServer.start().extensions("PIPELINING", "SIZE 1000")
                .rcpt("gone@example.net", "550 5.1.1 no such user");
             var d = Dialogue.connect(peer.address())) {
            d.expect(220).send("EHLO client.warden.test").expect(250, "SIZE 1000")
                    .send("MAIL FROM:<a@example.org> SIZE=20").expect(250)
                    .send("RCPT TO:<b@example.net> NOTIFY=NEVER").expect(250)
                    .send("RCPT TO:<gone@example.net>").expect(550, "no such user")
                    .send("DATA").expect(354)
                    .raw("Subject: x\r\n\r\n..leading dot\r\n.\r\n").expect(250)
                    .send("QUIT").expect(221);
            var m = peer.awaitMessages(1, Duration.ofSeconds(5)).get(0);
            assertThat(m.sender()).isEqualTo("a@example.org");
            assertThat(m.mailFrom()).isEqualTo("FROM:<a@example.org> SIZE=20");
            assertThat(m.recipients()).containsExactly("b@example.net");
            assertThat(m.rcptLines()).containsExactly("TO:<b@example.net> NOTIFY=NEVER");
            assertThat(m.text()).isEqualTo("Subject: x\r\n\r\n.leading dot\r\n");
            assertThat(peer.sessions().get(0).greeting()).contains("client.warden.test");
            assertThat(peer.sessions().get(0).lines()).startsWith("EHLO client.warden.test", "MAIL FROM:<a@example.org> SIZE=20");
        }
    }

    @Test
    void bannerWith421ClosesTheConnection() throws Exception {
        try (var peer = ScriptedSmtpServer.start().banner("421 4.3.2 busy");
             var d = Dialogue.connect(peer.address())) {
            d.expect(421, "busy");
            assertThat(d.closedByServer()).isTrue();
        }
    }

    @Test
    void stallsWithoutReplyAndDropsMidData() throws Exception {
        try (var peer = ScriptedSmtpServer.start().stall(Step.MAIL);
             var d = Dialogue.connect(peer.address())) {
            d.expect(220).send("EHLO c.warden.test").expect(250).send("MAIL FROM:<>");
            d.socket().setSoTimeout(300);
            assertThat(d.closedByServer()).as("no reply, still open").isFalse();
        }
        try (var peer = ScriptedSmtpServer.start().dropInData(10);
             var d = Dialogue.connect(peer.address())) {
            d.expect(220).send("EHLO c.warden.test").expect(250).send("MAIL FROM:<>").expect(250)
                    .send("RCPT TO:<b@example.net>").expect(250).send("DATA").expect(354)
                    .raw("Subject: a long enough line\r\n");
            assertThat(d.closedByServer()).isTrue();
            assertThat(peer.messages()).isEmpty();
        }
    }

    @Test
    void startTlsThenAuthPlainOverTls() throws Exception {
        try (var peer = ScriptedSmtpServer.start().tls(Tls.OK).auth("user", "secret");
             Socket plain = new Socket(peer.address().getAddress(), peer.port())) {
            plain.setSoTimeout(10_000);
            var in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = plain.getOutputStream();
            assertThat(in.readLine()).startsWith("220");
            out.write("EHLO c.warden.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            boolean offered = false;
            while ((line = in.readLine()).startsWith("250-")) offered |= line.equals("250-STARTTLS");
            assertThat(offered || line.equals("250 STARTTLS")).isTrue();
            out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("220");
            SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "peer", peer.port(), true);
            tls.startHandshake();
            var tin = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream tout = tls.getOutputStream();
            tout.write("EHLO c.warden.test\r\n".getBytes(StandardCharsets.US_ASCII));
            while ((line = tin.readLine()).startsWith("250-")) assertThat(line).isNotEqualTo("250-STARTTLS");
            String plainAuth = Base64.getEncoder().encodeToString("\0user\0secret".getBytes(StandardCharsets.UTF_8));
            tout.write(("AUTH PLAIN " + plainAuth + "\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(tin.readLine()).startsWith("235");
            var session = peer.sessions().get(0);
            assertThat(session.tlsProtocol()).hasValueSatisfying(p -> assertThat(p).startsWith("TLSv1."));
            assertThat(session.authenticated()).containsExactly("user");
            assertThat(session.commands().get(session.commands().size() - 1).tls()).isTrue();
        }
    }

    @Test
    void certificateWritesPemForPostfix(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        TestCertificate cert = TestCertificate.get();
        cert.writePem(dir.resolve("cert.pem"), dir.resolve("key.pem"));
        assertThat(java.nio.file.Files.readString(dir.resolve("cert.pem"))).startsWith("-----BEGIN CERTIFICATE-----\n");
        assertThat(java.nio.file.Files.readString(dir.resolve("key.pem"))).startsWith("-----BEGIN PRIVATE KEY-----\n");
        assertThat(cert.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=" + TestCertificate.HOST);
    }

    private static SSLContext trustAll() throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return c;
    }
}
