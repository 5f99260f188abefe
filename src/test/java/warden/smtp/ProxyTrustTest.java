package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import warden.policy.PolicyEngine;
import warden.recipient.DomainRouter;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 7 section 4, over loopback sockets: a PROXY header that names no client never leaves the
 * session with the proxy's own address and relay trust, and PROXY v1 is parsed strictly.
 * The proxy here is 127.0.0.1, trusted and (by default) in relay_networks, as in the README.
 */
class ProxyTrustTest {

    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    Path dir;
    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    private void start(String listenerExtra) throws Exception {
        DomainRouter router = new DomainRouter("mx.warden.test", Files.createDirectories(dir.resolve("virtual")), Set.of());
        smtp = new TestSmtp("trusted_proxies: [127.0.0.1]\nlisten: [{address: \"127.0.0.1:0\", proxy_protocol: true"
                + listenerExtra + "}]\n", PolicyEngine.permissive(), router, store, UnaryOperator.identity());
    }

    @Test
    void theProxyItselfStillRelaysWithAKnownClient() throws Exception {
        start("");
        // 127.0.0.2 is in no relay network: a real client named by the proxy does not relay
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\r\n").expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<x@elsewhere.example>").expect(550, "5.7.1");
        }
        // 127.0.0.1 named by the proxy is a relay client (the control case for the tests below)
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY TCP4 127.0.0.1 127.0.0.1 40000 25\r\n").expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<x@elsewhere.example>").expect(250);
        }
    }

    @Test
    void proxyUnknownIsAnUntrustedUnknownClient() throws Exception {
        start("");
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY UNKNOWN\r\n").expect(220).send("EHLO c.example.org").expect(250);
            assertThat(d.lastReply().get(0)).contains("[0.0.0.0]").doesNotContain("127.0.0.1");
            d.send("MAIL FROM:<a@example.org>").expect(250)
                    .send("RCPT TO:<x@elsewhere.example>").expect(550, "5.7.1")
                    .send("RCPT TO:<newbox@localhost>").expect(550, "5.1.1"); // nor may it create mailboxes
        }
        assertThat(smtp.log()).contains("[0.0.0.0] F=<a@example.org> rejected RCPT <x@elsewhere.example>");
    }

    @Test
    void proxyUnknownWithAddressesAfterItIsUnknownToo() throws Exception {
        start("");
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n").expect(220)
                    .send("EHLO c.example.org").expect(250, "[0.0.0.0]")
                    .send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<x@elsewhere.example>").expect(550, "5.7.1");
        }
    }

    @Test
    void aV2LocalHeaderIsAnUntrustedUnknownClient() throws Exception {
        start("");
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(V2_SIGNATURE);
        h.write(0x20); // v2, LOCAL
        h.write(0x00); // UNSPEC
        h.write(new byte[] {0, 0});
        try (Dialogue d = smtp.dialogue()) {
            d.raw(h.toByteArray()).expect(220).send("EHLO c.example.org").expect(250, "[0.0.0.0]")
                    .send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<x@elsewhere.example>").expect(550, "5.7.1");
        }
    }

    @Test
    void proxyUnknownCanCloseTheConnection() throws Exception {
        start(", proxy_unknown: close");
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY UNKNOWN\r\n");
            assertThat(d.readReply()).isEmpty();
            assertThat(d.closedByServer()).isTrue();
        }
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n").expect(220); // a named client is still served
        }
    }

    @ParameterizedTest(name = "closed: {0}")
    @ValueSource(strings = {
            "PROXY TCP4 192.0.2.1 127.0.0.1 40000 25\\n",          // bare LF
            "PROXY TCP4 192.0.2.1 127.0.0.1 40000 25\\r\\r\\n",    // CR CR LF
            "PROXY  TCP4 192.0.2.1 127.0.0.1 40000 25\\r\\n",      // two spaces
            "PROXY TCP4 192.0.2.1  127.0.0.1 40000 25\\r\\n",
            "PROXY TCP4 192.0.2.1 127.0.0.1 40000 25 \\r\\n",      // trailing space
            "PROXY TCP4 192.0.2.1 127.0.0.1 040000 25\\r\\n",      // leading zero in a port
            "PROXY TCP4 192.0.2.1 127.0.0.1 40000 025\\r\\n",
            "PROXY TCP4 192.0.2.1 127.0.0.1 65536 25\\r\\n",       // port out of range
            "PROXY TCP4 192.0.2.1 127.0.0.1 -1 25\\r\\n",
            "PROXY TCP4 192.0.2.1 127.0.0.1 +25 25\\r\\n",
            "PROXY TCP4 192.0.2.01 127.0.0.1 40000 25\\r\\n",      // leading zero in an octet
            "PROXY TCP4 192.0.2 127.0.0.1 40000 25\\r\\n",
            "PROXY TCP4 2001:db8::1 127.0.0.1 40000 25\\r\\n",     // family mismatch
            "PROXY TCP6 192.0.2.1 ::1 40000 25\\r\\n",
            "PROXY TCP6 2001:db8:::1 ::1 40000 25\\r\\n",
            "PROXY TCP6 2001:db8::1::2 ::1 40000 25\\r\\n",
            "PROXY TCP6 2001:0db8:00000::1 ::1 40000 25\\r\\n",
            "PROXY TCP6 [2001:db8::1] ::1 40000 25\\r\\n",
            "PROXY tcp4 192.0.2.1 127.0.0.1 40000 25\\r\\n",       // protocol in lower case
            "PROXY TCP4 192.0.2.1 127.0.0.1 40000\\r\\n",          // a field missing
            "PROXY UNKNOWN\\n",                                    // UNKNOWN needs CRLF too
            "PROXY UNKNOWNX\\r\\n",
            "PROXY \\r\\n",
    })
    void aMalformedV1HeaderClosesTheConnection(String header) throws Exception {
        start("");
        try (Dialogue d = smtp.dialogue()) {
            d.raw(header.replace("\\r", "\r").replace("\\n", "\n") + "EHLO c.example.org\r\n");
            assertThat(d.readReply()).isEmpty();
        }
        // closed without a word to the client, but not without one to the administrator
        assertThat(smtp.awaitLog("bad PROXY header")).containsPattern("H=\\(\\) \\[127\\.0\\.0\\.1\\] bad PROXY header from a trusted proxy, connection closed: \\S");
    }

    @ParameterizedTest(name = "accepted: {0}")
    @ValueSource(strings = {
            "PROXY TCP4 192.0.2.1 127.0.0.1 0 25|192.0.2.1",
            "PROXY TCP4 255.255.255.255 127.0.0.1 65535 25|255.255.255.255",
            "PROXY TCP6 2001:db8::1 2001:db8::25 40000 25|2001:db8::1",
            "PROXY TCP6 2001:DB8:0:0:0:0:0:2 ::1 40000 25|2001:db8::2",
            "PROXY TCP6 ::ffff:192.0.2.9 ::ffff:127.0.0.1 40000 25|192.0.2.9",
    })
    void aWellFormedV1HeaderNamesTheClient(String caseText) throws Exception {
        start("");
        String[] c = caseText.split("\\|");
        try (Dialogue d = smtp.dialogue()) {
            d.raw(c[0] + "\r\n").expect(220).send("EHLO c.example.org").expect(250, "[" + c[1] + "]");
        }
    }
}
