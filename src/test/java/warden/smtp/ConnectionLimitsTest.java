package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warden.policy.Decision;
import warden.policy.PolicyEngine;
import warden.policy.Stage;
import warden.policy.Verdict;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Connection limits, timeouts, PROXY protocol and graceful shutdown, over real sockets. */
class ConnectionLimitsTest {

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    @Test
    void connectionsPerClientAreLimitedWith421() throws Exception {
        // 127.0.0.1 is a relay client (exempt) by default: use an empty relay_networks.
        smtp = new TestSmtp("relay_networks: []\nlimits: {max_connections_per_ip: 2}\n", store);
        try (Dialogue a = smtp.dialogue(); Dialogue b = smtp.dialogue(); Dialogue c = smtp.dialogue()) {
            a.expect(220);
            b.expect(220);
            c.expect(421, "4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
        for (int i = 0; i < 100 && smtp.server.activeSessions() > 0; i++) Thread.sleep(50);
        try (Dialogue again = smtp.dialogue()) {
            again.expect(220); // the slots were released
        }
    }

    @Test
    void proxiedClientsAreLimitedByTheirOwnAddress() throws Exception {
        smtp = new TestSmtp("relay_networks: []\ntrusted_proxies: [127.0.0.1]\nlimits: {max_connections_per_ip: 1}\n"
                + "listen: [{address: \"127.0.0.1:0\", proxy_protocol: true}]\n", store);
        try (Dialogue a = smtp.dialogue(); Dialogue b = smtp.dialogue(); Dialogue c = smtp.dialogue()) {
            a.raw("PROXY TCP4 192.0.2.1 127.0.0.1 40000 25\r\n").expect(220);
            b.raw("PROXY TCP4 192.0.2.1 127.0.0.1 40001 25\r\n").expect(421, "from your address");
            c.raw("PROXY TCP4 192.0.2.2 127.0.0.1 40002 25\r\n").expect(220); // another client behind the same proxy
        }
    }

    @Test
    void totalConnectionsAreLimitedWith421() throws Exception {
        smtp = new TestSmtp("limits: {max_connections: 2}\n", store);
        // One after the other: each connection is counted on its own thread, so three opened at once
        // could be counted in any order and the first one could be the one told 421.
        try (Dialogue a = smtp.dialogue()) {
            a.expect(220);
            try (Dialogue b = smtp.dialogue()) {
                b.expect(220);
                try (Dialogue c = smtp.dialogue()) {
                    c.expect(421, "Too many connections");
                }
            }
        }
    }

    @Test
    void anIdleClientTimesOutWith421() throws Exception {
        smtp = new TestSmtp("limits: {command_timeout: 1s}\n", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250);
            d.expect(421, "4.4.2");
            assertThat(d.closedByServer()).isTrue();
        }
    }

    @Test
    void proxyV1FromATrustedProxyBecomesTheClient() throws Exception {
        smtp = new TestSmtp("listen: [{address: \"127.0.0.1:0\", proxy_protocol: true}]\ntrusted_proxies: [127.0.0.0/8]\n", store);
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY TCP4 192.0.2.77 127.0.0.1 40000 25\r\n").expect(220).send("EHLO c.example.org").expect(250);
            assertThat(d.lastReply().get(0)).contains("[192.0.2.77]");
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: x\r\n\r\nb\r\n.\r\n").expect(250);
        }
        assertThat(store.messages.get(0).trace().clientAddress().getHostAddress()).isEqualTo("192.0.2.77");
    }

    @Test
    void proxyV2CarriesAnIpv6Client() throws Exception {
        smtp = new TestSmtp("trusted_proxies: [127.0.0.1]\nlisten: [{address: \"127.0.0.1:0\", proxy_protocol: true}]\n", store);
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        h.write(0x21); // v2, PROXY
        h.write(0x21); // TCP over IPv6
        h.write(new byte[] {0, 36});
        ByteBuffer b = ByteBuffer.allocate(36);
        b.put(java.net.InetAddress.getByName("2001:db8::42").getAddress());
        b.put(java.net.InetAddress.getByName("2001:db8::25").getAddress());
        b.putShort((short) 50000).putShort((short) 25);
        h.write(b.array());
        try (Dialogue d = smtp.dialogue()) {
            d.raw(h.toByteArray()).expect(220).send("EHLO c.example.org").expect(250);
            assertThat(d.lastReply().get(0)).contains("[2001:db8::42]");
        }
    }

    @Test
    void proxyHeaderFromAnUntrustedPeerIsNotBelieved() throws Exception {
        smtp = new TestSmtp("trusted_proxies: [192.0.2.0/24]\nlisten: [{address: \"127.0.0.1:0\", proxy_protocol: true}]\n", store);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("PROXY TCP4 192.0.2.77 127.0.0.1 40000 25").expect(500)
                    .send("EHLO c.example.org").expect(250);
            assertThat(d.lastReply().get(0)).contains("[127.0.0.1]").doesNotContain("192.0.2.77");
        }
    }

    @Test
    void gracefulShutdownLetsDataFinishAndTellsIdleSessions421() throws Exception {
        smtp = new TestSmtp("", store);
        Dialogue idle = smtp.dialogue();
        Dialogue busy = smtp.dialogue();
        idle.expect(220).send("EHLO idle.example.org").expect(250);
        busy.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354).raw("Subject: x\r\n\r\npart one\r\n");
        Thread.sleep(100);
        CompletableFuture<Void> closing = CompletableFuture.runAsync(smtp::close);
        idle.expect(421, "4.3.2");
        assertThat(idle.closedByServer()).isTrue();
        busy.raw("part two\r\n.\r\n").expect(250, "queued");
        busy.expect(421, "4.3.2");
        closing.get(10, TimeUnit.SECONDS);
        assertThat(store.messages).hasSize(1);
        assertThat(new String(store.bytes(0), StandardCharsets.US_ASCII)).contains("part two");
        smtp = null;
        idle.close();
        busy.close();
    }

    @Test
    void aTarpittedClientIsToldAtShutdown() throws Exception {
        PolicyEngine slow = client -> snapshot -> snapshot.stage() == Stage.HELO
                ? new Decision(Verdict.CONTINUE, Duration.ofMinutes(1), List.of(), List.of()) : Decision.proceed();
        smtp = new TestSmtp("", slow, TestSmtp.EXAMPLE_TEST, store, UnaryOperator.identity());
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org");
            Thread.sleep(200);
            long start = System.nanoTime();
            smtp.close();
            smtp = null;
            d.expect(421, "4.3.2");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void theServerReportsItsBoundPort() throws Exception {
        smtp = new TestSmtp("", store);
        InetSocketAddress a = smtp.address();
        assertThat(a.getPort()).isPositive();
    }
}
