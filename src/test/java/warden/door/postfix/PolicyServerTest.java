package warden.door.postfix;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.LogWait;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Postfix policy door end to end: {@code serve} started with {@code doors.postfix} on loopback
 * TCP and a UNIX socket, the engine asking a real DNS server on loopback, the SQLite greylist under
 * data_dir, requests written as Postfix's smtpd writes them.
 */
@Timeout(60)
class PolicyServerTest {

    @TempDir
    Path dir;

    PolicyDoor door;
    TestDnsServer dns;
    TestClock clock;

    @BeforeEach
    void dns() throws Exception {
        door = new PolicyDoor(dir);
        dns = door.dns;
        clock = door.clock;
    }

    @AfterEach
    void stop() {
        door.close();
    }

    private void start(String doorKeys, String extra) throws Exception {
        door.start(doorKeys, extra);
    }

    private Object tcp() {
        return door.tcp();
    }

    private Object unix() {
        return door.unix();
    }

    private String log() {
        return door.log();
    }

    private static Map<String, String> with(Map<String, String> request, String... pairs) {
        Map<String, String> m = new java.util.LinkedHashMap<>(request);
        for (int i = 0; i < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    @Test
    void aForgedHeloIsRejectedWithWardensText() throws Exception {
        start("", "policy: {max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            String action = c.ask(with(PolicyClient.rcpt("A1.1"), "helo_name", "mx.warden.test"));
            assertThat(action).startsWith("REJECT 5.7.1 ");
            assertThat(action).doesNotContain("\n", "DUNNO");
        }
        LogWait.line(this::log, "postfix-policy [192.0.2.10] rcpt <alice@sender.example> -> <bob@example.test>: REJECT 5.7.1",
                "helo-our-hostname fail");
    }

    @Test
    void aNewTripletIsDeferredThenPassesWithXGreylistAfterTheDelay() throws Exception {
        start("", "policy: {max_delay: 0s}\ngreylist: {delay: 1m}\n");
        try (PolicyClient c = PolicyClient.connect(unix())) {
            assertThat(c.ask(PolicyClient.rcpt("A1.1"))).startsWith("DEFER_IF_PERMIT 4.7.1 ")
                    .contains("is not yet authorized to deliver mail from <alice@sender.example> to <bob@example.test>");
            // Too early: still deferred.
            clock.advance(Duration.ofSeconds(30));
            assertThat(c.ask(with(PolicyClient.rcpt("A1.2"), "client_port", "40001"))).startsWith("DEFER_IF_PERMIT 4.7.1 ");
            clock.advance(Duration.ofSeconds(60));
            Map<String, String> retry = with(PolicyClient.rcpt("A1.3"), "client_port", "40002");
            assertThat(c.ask(retry)).isEqualTo("DUNNO");
            assertThat(c.ask(PolicyClient.at("DATA", with(retry, "recipient_count", "1"))))
                    .isEqualTo("PREPEND X-Greylist: delayed 90 seconds by Warden");
            // Once per transaction; END-OF-MESSAGE gets no header (Postfix ignores PREPEND there).
            assertThat(c.ask(PolicyClient.at("END-OF-MESSAGE", with(retry, "recipient_count", "1", "size", "512"))))
                    .isEqualTo("DUNNO");
        }
    }

    @Test
    void aGrossPunishmentSticksAcrossTheRequestsOfOneInstance() throws Exception {
        start("", "policy: {max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            assertThat(c.ask(with(PolicyClient.rcpt("B1.1"), "helo_name", "mx.warden.test"))).startsWith("REJECT 5.7.1");
            // A new greeting in the same SMTP session does not wash it.
            assertThat(c.ask(with(PolicyClient.rcpt("B1.1"), "recipient", "carol@example.test"))).startsWith("REJECT 5.7.1");
            // Nor does the next transaction of the same SMTP connection (same client port, new instance).
            assertThat(c.ask(with(PolicyClient.rcpt("B1.2"), "recipient", "dave@example.test"))).startsWith("REJECT 5.7.1");
            // Another SMTP connection from the same client is judged afresh: greylisted, not rejected.
            assertThat(c.ask(with(PolicyClient.rcpt("B2.1"), "client_port", "40100"))).startsWith("DEFER_IF_PERMIT 4.7.1");
        }
    }

    @Test
    void theDnsListsAreAskedOncePerSessionAndTheirHeaderGivenOnce() throws Exception {
        dns.ttl(0).a("10.2.0.192.bl.example", "127.0.0.2");
        start("", "policy: {max_delay: 0s}\ngreylist: {enabled: false}\ndnsbl: {threshold: 2, lists: [bl.example]}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            assertThat(c.ask(PolicyClient.rcpt("C1.1"))).isEqualTo("PREPEND X-DNSbl-Warning: 192.0.2.10 is blacklisted by bl.example");
            assertThat(c.ask(with(PolicyClient.rcpt("C1.1"), "recipient", "carol@example.test"))).isEqualTo("DUNNO");
            assertThat(c.ask(PolicyClient.at("DATA", with(PolicyClient.rcpt("C1.1"), "recipient", "", "recipient_count", "2"))))
                    .isEqualTo("DUNNO");
            int once = dns.queries("10.2.0.192.bl.example"); // the A record and its TXT
            assertThat(once).isPositive();
            // A new transaction: the header again, for that message; the list is not asked again.
            assertThat(c.ask(PolicyClient.rcpt("C1.2"))).isEqualTo("PREPEND X-DNSbl-Warning: 192.0.2.10 is blacklisted by bl.example");
            assertThat(dns.queries("10.2.0.192.bl.example")).isEqualTo(once);
            // Another SMTP connection asks again (TTL 0: nothing cached).
            assertThat(c.ask(with(PolicyClient.rcpt("C2.1"), "client_port", "40200"))).startsWith("PREPEND X-DNSbl-Warning");
            assertThat(dns.queries("10.2.0.192.bl.example")).isGreaterThan(once);
        }
    }

    @Test
    void answerGreylistIgnoresAForgedHeloAndOnlyGreylists() throws Exception {
        start(", answer: greylist", "policy: {max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            assertThat(c.ask(with(PolicyClient.rcpt("D1.1"), "helo_name", "mx.warden.test"))).startsWith("DEFER_IF_PERMIT 4.7.1");
        }
    }

    @Test
    void reportModeAnswersDunnoAndLogsWhatItWouldHaveAnswered() throws Exception {
        start("", "policy: {mode: report, max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            assertThat(c.ask(with(PolicyClient.rcpt("E1.1"), "helo_name", "mx.warden.test"))).isEqualTo("DUNNO");
            assertThat(c.ask(with(PolicyClient.rcpt("E2.1"), "client_port", "40300"))).isEqualTo("DUNNO");
        }
        LogWait.line(this::log, "report: postfix-policy [192.0.2.10] rcpt <alice@sender.example> -> <bob@example.test>:"
                + " would answer REJECT 5.7.1", "because helo-our-hostname fail", "answered DUNNO");
        LogWait.line(this::log, "report: postfix-policy [192.0.2.10]", "would answer DEFER_IF_PERMIT 4.7.1", "greylist fail",
                "answered DUNNO");
    }

    @Test
    void aDelayIsCappedAtMaxDelay() throws Exception {
        // 192.0.2.99 has no PTR: client-no-ptr delays 20 s; the door holds the answer 1 s at most.
        start(", max_delay: 1s", "greylist: {enabled: false}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            long t0 = System.nanoTime();
            String action = c.ask(with(PolicyClient.rcpt("F1.1"), "client_address", "192.0.2.99", "helo_name", "mail.sender.example"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(action).isIn("DUNNO", "DEFER_IF_PERMIT 4.7.1");
            assertThat(ms).isBetween(900L, 15_000L);
        }
        LogWait.line(this::log, "postfix-policy [192.0.2.99] rcpt", "capped at 1s by doors.postfix.max_delay");
    }

    @Test
    void unknownAttributesAndValuesWithEqualSignsAreTaken() throws Exception {
        start("", "policy: {max_delay: 0s}\ngreylist: {enabled: false}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            Map<String, String> r = with(PolicyClient.rcpt("G1.1"), "x_future_attribute", "1", "sender",
                    "prvs=0123456abc=alice@sender.example", "ccert_subject", "CN+3Dmail.sender.example");
            assertThat(c.ask(r)).isEqualTo("DUNNO");
            // Pipelined: two requests in one write, two answers in order.
            String two = "request=smtpd_access_policy\nprotocol_state=VRFY\nclient_address=192.0.2.10\n\n"
                    + "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.10\nclient_port=40000\n"
                    + "helo_name=mx.warden.test\nsender=a@sender.example\nrecipient=b@example.test\ninstance=G1.2\n\n";
            c.send(two.getBytes(StandardCharsets.US_ASCII));
            assertThat(c.answer()).isEqualTo("DUNNO");
            assertThat(c.answer()).startsWith("REJECT 5.7.1");
        }
    }

    @Test
    void aBounceIsGreylistedAtData() throws Exception {
        start("", "policy: {max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            Map<String, String> bounce = with(PolicyClient.rcpt("H1.1"), "sender", "");
            assertThat(c.ask(bounce)).isEqualTo("DUNNO");
            assertThat(c.ask(PolicyClient.at("DATA", with(bounce, "recipient_count", "1")))).startsWith("DEFER_IF_PERMIT 4.7.1");
        }
    }

    @Test
    void anAuthenticatedClientIsExempt() throws Exception {
        start("", "policy: {max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            assertThat(c.ask(with(PolicyClient.rcpt("I1.1"), "helo_name", "mx.warden.test", "sasl_method", "PLAIN",
                    "sasl_username", "alice", "encryption_protocol", "TLSv1.3"))).isEqualTo("DUNNO");
        }
    }

    @Test
    void requestsBeforeMailAreOneSessionWithTheTransactionsThatFollow() throws Exception {
        start("", "policy: {max_delay: 0s}\n");
        try (PolicyClient c = PolicyClient.connect(tcp())) {
            // smtpd_delay_reject = no: Postfix asks at CONNECT and HELO, before any instance exists.
            Map<String, String> connect = with(PolicyClient.at("CONNECT", PolicyClient.rcpt("")), "helo_name", "",
                    "sender", "", "recipient", "");
            assertThat(c.ask(connect)).isEqualTo("DUNNO");
            Map<String, String> helo = with(PolicyClient.at("EHLO", PolicyClient.rcpt("")), "helo_name", "mx.warden.test",
                    "sender", "", "recipient", "");
            assertThat(c.ask(helo)).isEqualTo("DUNNO"); // reject_at: rcpt holds the refusal until RCPT
            assertThat(c.ask(with(PolicyClient.rcpt("N1.1"), "helo_name", "mx.warden.test"))).startsWith("REJECT 5.7.1");
        }
        // One session: the client was looked up once.
        assertThat(dns.ptrQueries(InetAddress.getByName("192.0.2.10"))).isEqualTo(1);
    }
}
