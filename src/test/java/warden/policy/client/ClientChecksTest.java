package warden.policy.client;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.dns.ClientIdentity;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.policy.Finding.Outcome;
import warden.policy.Snapshots;
import warden.policy.Stage;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/** The connect checks of seed 004 (PTR, then forward confirmation), through a real DNS server on loopback. */
@Timeout(60)
class ClientChecksTest {

    static TestDnsServer dns;
    static Resolver resolver;

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 0, new TestClock());
        dns.ptr(ip("203.0.113.9"), "mail.example.net").a("mail.example.net", "203.0.113.9")
           .ptr(ip("2001:db8::9"), "v6.example.net").aaaa("v6.example.net", "2001:db8::9")
           .ptr(ip("203.0.113.10"), "liar.example.net").a("liar.example.net", "198.18.0.1")
           .ptr(ip("203.0.113.11"), "gone.example.net")
           .ptr(ip("203.0.113.12"), "flaky.example.net").servfail("flaky.example.net")
           .servfail("13.113.0.203.in-addr.arpa");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            forward-confirmed IPv4                   | 203.0.113.9   | PASS     | PASS
            forward-confirmed IPv6                   | 2001:db8::9   | PASS     | PASS
            PTR points to a name of another address  | 203.0.113.10  | PASS     | FAIL
            PTR name does not exist                  | 203.0.113.11  | PASS     | FAIL
            no PTR at all                            | 203.0.113.99  | FAIL     | SKIP
            no PTR for an IPv6 client                | 2001:db8::99  | FAIL     | SKIP
            forward lookup SERVFAIL                  | 203.0.113.12  | PASS     | TEMPFAIL
            reverse lookup SERVFAIL                  | 203.0.113.13  | TEMPFAIL | SKIP
            """)
    void seed004ConnectRules(String name, String client, Outcome noPtr, Outcome unconfirmed) {
        var s = Snapshots.client(client).identity(ClientIdentity.lookup(resolver, ip(client))).at(Stage.CONNECT);
        assertThat(new ClientNoPtr().check(s).outcome()).as("client-no-ptr").isEqualTo(noPtr);
        assertThat(new ClientPtrUnconfirmed().check(s).outcome()).as("client-ptr-unconfirmed").isEqualTo(unconfirmed);
    }

    @Test
    void skippedWhenDnsWasNotConsulted() {
        var s = Snapshots.client("203.0.113.9").at(Stage.CONNECT);
        assertThat(new ClientNoPtr().check(s).outcome()).isEqualTo(Outcome.SKIP);
        assertThat(new ClientPtrUnconfirmed().check(s).outcome()).isEqualTo(Outcome.SKIP);
    }
}
