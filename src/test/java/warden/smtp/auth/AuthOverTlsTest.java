package warden.smtp.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.testing.Dialogue;
import warden.testing.MemoryAuthenticator;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;
import warden.testing.TestTlsServer;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.testing.MemoryAuthenticator.plain;

/**
 * AUTH where it belongs: inside TLS (RFC 4954 4, the seed's {@code server_advertise_condition}).
 * Port 25 offers it only after STARTTLS, port 587 likewise and wants it before MAIL; what a
 * client authenticated as before STARTTLS does not survive the handshake (RFC 3207 4.2).
 */
@Timeout(60)
class AuthOverTlsTest {

    static final String PORTS = """
            relay_networks: []
            listen:
              - "127.0.0.1:0"
              - {address: "127.0.0.1:0", role: submission}
            tls: {certificate: /etc/warden/fullchain.pem, key: /etc/warden/privkey.pem}
            auth: {passwd_file: /etc/warden/passwd}
            """;

    TestSmtp smtp;
    final RecordingStore store = new RecordingStore();

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    @Test
    void authIsOfferedOnlyAfterStartTlsOnPort25() throws Exception {
        smtp = new TestSmtp(PORTS, store, new TestTlsServer(), new MemoryAuthenticator());
        try (Dialogue d = Dialogue.connect(smtp.address(0))) {
            d.expect(220).send("EHLO laptop").expect(250);
            assertThat(d.lastReply()).contains("250-STARTTLS").noneMatch(l -> l.contains("AUTH"));
            d.send("AUTH PLAIN " + plain("alice", "s3cret")).expect(538, "5.7.11");
            d.send("STARTTLS").expect(220).startTls("mx.warden.test");
            d.send("EHLO laptop").expect(250);
            assertThat(d.lastReply()).contains("250-AUTH PLAIN LOGIN");
            d.send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235, "2.7.0")
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: t\r\n\r\nt\r\n.\r\n").expect(250);
        }
        assertThat(store.messages.getFirst().trace().protocol()).isEqualTo("ESMTPSA");
        assertThat(store.messages.getFirst().trace().authenticatedSender()).as("auth.show_in_received is off").isEmpty();
        assertThat(smtp.awaitLine("<= <alice@example.org>")).contains(" P=esmtpsa X=TLS1.3:").contains(" A=plain:alice S=");
    }

    @Test
    void theSubmissionPortWantsTlsThenAuthAndNamesTheLoginInReceivedWhenAsked() throws Exception {
        smtp = new TestSmtp(PORTS.replace("auth: {passwd_file: /etc/warden/passwd}",
                "auth: {passwd_file: /etc/warden/passwd, show_in_received: true}"), store, new TestTlsServer(), new MemoryAuthenticator());
        try (Dialogue d = Dialogue.connect(smtp.address(1))) {
            d.expect(220).send("EHLO laptop").expect(250);
            assertThat(d.lastReply()).noneMatch(l -> l.contains("AUTH"));
            d.send("MAIL FROM:<alice@example.org>").expect(530, "5.7.0");
            d.send("AUTH LOGIN").expect(538, "5.7.11");
            d.send("STARTTLS").expect(220).startTls("submit.warden.test");
            d.send("EHLO laptop").expect(250)
                    .send("AUTH LOGIN").expect(334).send(java.util.Base64.getEncoder().encodeToString("alice".getBytes()))
                    .expect(334).send(java.util.Base64.getEncoder().encodeToString("s3cret".getBytes())).expect(235)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: t\r\n\r\nt\r\n.\r\n").expect(250);
        }
        var trace = store.messages.getFirst().trace();
        assertThat(trace.authenticatedSender()).contains("alice");
        assertThat(warden.delivery.DeliveryHeaders.received(trace, java.util.List.of("bob@example.test")))
                .contains("\t(Authenticated sender: alice)\r\n");
        assertThat(smtp.awaitLine("<= <alice@example.org>")).contains(" A=login:alice S=");
    }

    @Test
    void aLoginBeforeStartTlsIsForgottenByIt() throws Exception {
        smtp = new TestSmtp(PORTS.replace("  - \"127.0.0.1:0\"\n", "  - {address: \"127.0.0.1:0\", allow_plaintext_auth: true}\n"),
                store, new TestTlsServer(), new MemoryAuthenticator());
        try (Dialogue d = Dialogue.connect(smtp.address(0))) {
            d.expect(220).send("EHLO laptop").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                    .send("STARTTLS").expect(220).startTls("mx.warden.test");
            d.send("EHLO laptop").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<friend@elsewhere.example>").expect(550); // no relaying: the login is gone
        }
    }
}
