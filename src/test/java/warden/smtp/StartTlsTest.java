package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warden.delivery.DeliveryHeaders;
import warden.delivery.InboundMessage;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;
import warden.testing.TestTlsServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * STARTTLS (RFC 3207) and implicit TLS (RFC 8314) over real loopback sockets, with a real JDK
 * TLS client: the happy path, what the client sent before the handshake (CVE-2011-0411),
 * handshakes that fail or never come, and what the Received header and the main log say.
 */
class StartTlsTest {

    /** Two listeners: port 25's role first, then a port 465 (submissions). */
    static final String TWO_PORTS = "listen: [\"127.0.0.1:0\", {address: \"127.0.0.1:0\", role: submissions}]\n"
            + "tls: {certificate: /etc/warden/fullchain.pem, key: /etc/warden/privkey.pem}\n"
            + "auth: {passwd_file: /etc/warden/passwd}\n";

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    private TestSmtp withTls(String limits) throws IOException {
        smtp = new TestSmtp(TWO_PORTS + limits, store, new TestTlsServer(), new warden.testing.MemoryAuthenticator());
        return smtp;
    }

    @Test
    void startTlsIsOfferedThenTheSessionStartsAgainInsideTlsWithoutOfferingItTwice() throws Exception {
        withTls("");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            assertThat(d.lastReply()).contains("250-STARTTLS");
            d.send("STARTTLS").expect(220, "2.0.0 Ready to start TLS");
            d.startTls("mx.warden.test");
            assertThat(d.tlsSession().getProtocol()).isEqualTo("TLSv1.3");
            // RFC 3207 4.2: no greeting survives the handshake
            d.send("MAIL FROM:<a@example.org>").expect(503, "5.5.1");
            d.send("EHLO client.example.org").expect(250);
            assertThat(d.lastReply()).noneMatch(l -> l.contains("STARTTLS")).contains("250-PIPELINING");
            d.send("STARTTLS").expect(503, "5.5.1");
            d.send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354)
                    .raw("Subject: over TLS\r\n\r\nhello\r\n.\r\n").expect(250, "queued as")
                    .send("QUIT").expect(221);
        }
        InboundMessage m = store.messages.getFirst();
        assertThat(m.trace().protocol()).isEqualTo("ESMTPS");
        String cipher = m.trace().encryption().orElseThrow();
        assertThat(cipher).matches("TLSv1\\.3 with cipher TLS_[A-Z0-9_]+ \\((128/128|256/256) bits\\)");
        String received = DeliveryHeaders.received(m.trace(), List.of("bob@example.test"));
        assertThat(received).contains("[127.0.0.1])\r\n\t(using TLSv1.3 with cipher TLS_").contains("\tby mx.warden.test with ESMTPS id ");
        String arrival = smtp.awaitLine("<= <alice@example.org>");
        assertThat(arrival).matches(".* P=esmtps X=TLS1\\.3:TLS_[A-Z0-9_]+:(128|256) SNI=mx\\.warden\\.test S=\\d+ for bob@example\\.test .*");
    }

    @Test
    void commandsPipelinedBehindStartTlsAreDiscardedNotAnswered() throws Exception {
        withTls("");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            // One write: the RSET is in the server's plaintext buffer when STARTTLS is read.
            d.raw("STARTTLS\r\nRSET\r\n").expect(220, "Ready to start TLS");
            d.startTls(null);
            d.send("HELP").expect(214); // the first reply inside TLS is to HELP, not a 250 to RSET
            d.send("NOOP").expect(250, "2.0.0 Ok");
        }
        assertThat(smtp.log()).doesNotContain("RSET");
    }

    @Test
    void aForgedTransactionPipelinedBehindStartTlsNeverHappens() throws Exception {
        withTls("");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            d.raw("STARTTLS\r\nMAIL FROM:<forged@example.org>\r\nRCPT TO:<bob@example.test>\r\n").expect(220);
            d.startTls(null);
            d.send("RCPT TO:<bob@example.test>").expect(503, "5.5.1"); // no MAIL survived
            d.send("DATA").expect(503);
        }
        assertThat(store.messages).isEmpty();
    }

    @Test
    void startTlsTakesNoParametersAndNotInsideATransaction() throws Exception {
        withTls("");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("STARTTLS now").expect(501, "5.5.4")
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("STARTTLS").expect(503, "5.5.1")
                    .send("RSET").expect(250)
                    .send("STARTTLS").expect(220);
            d.startTls(null);
            d.send("STARTTLS").expect(503, "5.5.1 TLS already active");
            d.send("STARTTLS x").expect(503, "5.5.1");
        }
    }

    @Test
    void withoutACertificateStartTlsIsNeitherOfferedNorAccepted() throws Exception {
        smtp = new TestSmtp("", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250);
            assertThat(d.lastReply()).noneMatch(l -> l.contains("STARTTLS"));
            d.send("STARTTLS").expect(502, "5.5.1");
            d.send("NOOP").expect(250);
        }
    }

    @Test
    void aClientSilentAfterStartTlsIsCutOffAtTheHandshakeTimeout() throws Exception {
        withTls("limits: {command_timeout: 1s}\n");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250).send("STARTTLS").expect(220);
            long start = System.nanoTime();
            assertThat(closes(d.socket(), 8000)).as("closed by the server").isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(8000);
        }
        assertThat(smtp.awaitLine("TLS handshake timed out")).contains("[127.0.0.1]").contains("connection closed");
        assertThat(smtp.server.activeSessions()).isZero();
    }

    @Test
    void garbageInsteadOfAHandshakeEndsTheSessionWithOneLogLine() throws Exception {
        withTls("limits: {command_timeout: 1s}\n");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250).send("STARTTLS").expect(220);
            d.raw("EHLO \u001b[31mplain\r\nMAIL FROM:<a@example.org>\r\n");
            assertThat(closes(d.socket(), 8000)).as("closed by the server").isTrue();
        }
        String line = smtp.awaitLine("TLS handshake failed");
        assertThat(line).doesNotContain("\u001b");
        assertThat(smtp.log().lines().filter(l -> l.contains("TLS handshake"))).hasSize(1);
    }

    @Test
    void anImplicitTlsPortGreetsOnlyAfterTheHandshake() throws Exception {
        withTls("");
        try (Socket plain = new Socket()) {
            plain.connect(smtp.address(1), 5000);
            plain.setSoTimeout(500);
            // No plaintext banner: a TLS client would take it for a broken record.
            assertThatThrownBy(() -> plain.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        }
        try (Dialogue d = Dialogue.connectTls(smtp.address(1), "submit.warden.test")) {
            d.expect(220, "mx.warden.test ESMTP").send("EHLO client.example.org").expect(250);
            assertThat(d.lastReply()).noneMatch(l -> l.contains("STARTTLS"));
            d.send("STARTTLS").expect(503, "5.5.1");
            d.send("MAIL FROM:<alice@example.org>").expect(530, "5.7.0 Authentication required");
            d.send("AUTH PLAIN " + warden.testing.MemoryAuthenticator.plain("alice", "s3cret")).expect(235);
            d.send("MAIL FROM:<alice@example.org>").expect(250).send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: 465\r\n\r\nhi\r\n.\r\n").expect(250);
            d.send("RCPT TO:<nobody@elsewhere.example>").expect(503);
        }
        assertThat(store.messages.getFirst().trace().protocol()).isEqualTo("ESMTPSA");
        assertThat(smtp.awaitLine("<= <alice@example.org>")).contains(" SNI=submit.warden.test ").contains(" X=TLS1.3:");
    }

    @Test
    void aPlaintextClientOnTheImplicitTlsPortIsClosedCleanly() throws Exception {
        withTls("limits: {command_timeout: 1s}\n");
        try (Socket plain = new Socket()) {
            plain.connect(smtp.address(1), 5000);
            plain.getOutputStream().write("EHLO client.example.org\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(closes(plain, 8000)).isTrue();
        }
        assertThat(smtp.awaitLine("TLS handshake failed")).contains("H=").contains("[127.0.0.1]");
        // A client waiting for a plaintext banner gets none, and is closed at the handshake timeout.
        try (Socket plain = new Socket()) {
            plain.connect(smtp.address(1), 5000);
            assertThat(closes(plain, 8000)).isTrue();
        }
        smtp.awaitLine("TLS handshake timed out");
    }

    @Test
    void connectionLevelLinesInsideTlsCarryTheCipherAndTheServerName() throws Exception {
        withTls("");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250).send("STARTTLS").expect(220);
            d.startTls("mx.warden.test");
            d.send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("RCPT TO:<nobody@elsewhere.example>").expect(550, "5.1.1");
        }
        assertThat(smtp.awaitLine("rejected RCPT <nobody@elsewhere.example>"))
                .matches(".* H=localhost \\(client\\.example\\.org\\) \\[127\\.0\\.0\\.1\\] X=TLS1\\.3:TLS_[A-Z0-9_]+:\\d+ SNI=mx\\.warden\\.test F=<a@example\\.org> .*");
    }

    @Test
    void aProxyHeaderInFrontOfImplicitTlsLeavesTheHandshakeToTls() throws Exception {
        // haproxy sends its header and the client's ClientHello back to back: the session must read
        // the header and not one byte more, or the handshake would miss the start of the hello.
        smtp = new TestSmtp("trusted_proxies: [127.0.0.1]\n"
                + "listen: [{address: \"127.0.0.1:0\", role: submissions, proxy_protocol: true}]\n"
                + "tls: {certificate: /etc/warden/fullchain.pem, key: /etc/warden/privkey.pem}\n"
                + "auth: {passwd_file: /etc/warden/passwd}\n", store, new TestTlsServer(), new warden.testing.MemoryAuthenticator());
        Socket proxy = new HeaderFirstSocket("PROXY TCP4 192.0.2.7 192.0.2.1 40000 465\r\n");
        proxy.connect(smtp.address(), 5000);
        try (Dialogue d = new Dialogue(proxy)) {
            d.startTls("mx.warden.test"); // the header goes out in one write with the ClientHello
            d.expect(220).send("EHLO client.example.org").expect(250, "[192.0.2.7]")
                    .send("AUTH PLAIN " + warden.testing.MemoryAuthenticator.plain("alice", "s3cret")).expect(235)
                    .send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: p\r\n\r\np\r\n.\r\n").expect(250);
        }
        assertThat(smtp.awaitLine("<= <a@example.org>")).contains("[192.0.2.7] P=esmtpsa X=TLS1.3:");
    }

    @Test
    void aClientOverItsLimitOnTheImplicitTlsPortIsClosedWithoutAPlaintextReply() throws Exception {
        withTls("relay_networks: []\nlimits: {max_connections_per_ip: 1}\n");
        try (Dialogue first = Dialogue.connectTls(smtp.address(1), null)) {
            first.expect(220);
            try (Socket second = new Socket()) {
                second.connect(smtp.address(1), 5000);
                second.setSoTimeout(8000);
                // a "421" in plaintext would be a broken record to a TLS client: nothing is sent
                assertThat(second.getInputStream().read()).isEqualTo(-1);
            }
            first.send("NOOP").expect(250);
        }
        assertThat(smtp.awaitLine("refused connection: 421 4.7.0")).contains("[127.0.0.1]");
    }

    /** A client socket whose first write is {@code header} and the first bytes written, in one segment. */
    private static final class HeaderFirstSocket extends Socket {
        private byte[] header;

        HeaderFirstSocket(String header) {
            this.header = header.getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public java.io.OutputStream getOutputStream() throws IOException {
            java.io.OutputStream real = super.getOutputStream();
            return new java.io.FilterOutputStream(real) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (header == null) {
                        real.write(b, off, len);
                        return;
                    }
                    byte[] all = java.util.Arrays.copyOf(header, header.length + len);
                    System.arraycopy(b, off, all, header.length, len);
                    header = null;
                    real.write(all);
                }
            };
        }
    }

    /** Whether the server closes {@code socket} within {@code millis} (whatever it sends first, e.g. a TLS alert). */
    private static boolean closes(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        InputStream in = socket.getInputStream();
        byte[] b = new byte[4096];
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                if (in.read(b) < 0) return true;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
        return false;
    }
}
