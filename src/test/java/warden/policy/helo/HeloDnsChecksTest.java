package warden.policy.helo;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.dns.ClientIdentity;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.Finding.Outcome;
import warden.policy.Snapshots;
import warden.policy.Stage;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import org.xbill.DNS.Type;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/**
 * Table tests of the HELO checks that ask DNS, through the real resolver and a DNS server on
 * 127.0.0.1 serving the zone below.
 */
@Timeout(60)
class HeloDnsChecksTest {

    static TestDnsServer dns;
    static Resolver resolver;

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        // cache off: every case asks the server, as a first contact would
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 0, new TestClock());
        dns.a("mail.example.net", "203.0.113.9").ptr(ip("203.0.113.9"), "mail.example.net")
           .aaaa("v6.example.net", "2001:db8::9").ptr(ip("2001:db8::9"), "v6.example.net")
           // a pool: mx0 greets from the address of mx1 (qpsmtpd docs); mx0 is itself consistent
           .a("mx0.slc.paypal.com", "203.0.113.20").ptr(ip("203.0.113.20"), "mx0.slc.paypal.com")
           .a("mx1.slc.paypal.com", "203.0.113.21").ptr(ip("203.0.113.21"), "mx1.slc.paypal.com")
           // Microsoft's bigfish greeting that does not resolve (fail2ban #125)
           .a("mail.bigfish.com", "203.0.113.30").ptr(ip("203.0.113.30"), "mail.bigfish.com")
           .mx("mx-only.example.net", 10, "mail.example.net")
           .servfail("broken.example.net")
           // Office 365 names that resolve to 127.0.0.1 (debops #2058)
           .a("outbound.o365.example.com", "127.0.0.1")
           // a name pointing at our NAT address 192.0.2.25, and one at a lookalike address
           .a("relay.herzbube.ch", "192.0.2.25")
           .a("eleven.example.net", "192.0.2.250")
           .a("spoof.example.net", "198.18.0.1")
           // A times out while AAAA answers: half an answer, not "no such address"
           .a("half.example.net", "203.0.113.9").aaaa("half.example.net", "2001:db8::50")
           .timeout("half.example.net", Type.A)
           // AAAA times out while A answers with our NAT address
           .a("half-ours.example.net", "192.0.2.25").aaaa("half-ours.example.net", "2001:db8::40")
           .timeout("half-ours.example.net", Type.AAAA);
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private static Outcome run(Check check, String helo, String client, String local) {
        ClientIdentity id = ClientIdentity.lookup(resolver, ip(client));
        Finding f = check.check(Snapshots.client(client).local(local).identity(id).helo(helo).at(Stage.HELO));
        assertThat(f.check()).isEqualTo(check.name());
        assertThat(f.reason()).isNotBlank().doesNotContain("\n");
        return f.outcome();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            resolves                                     | mail.example.net          | PASS
            AAAA only                                    | v6.example.net            | PASS
            MX only counts as resolving (Postfix)        | mx-only.example.net       | PASS
            random name from seed 003's log              | yq3h9cdkgs.example        | FAIL
            Microsoft bigfish (fail2ban #125)            | TX2EHSNDR001.bigfish.com  | FAIL
            SERVFAIL is never FAIL                       | broken.example.net        | TEMPFAIL
            A timed out, AAAA answered: it has an address | half.example.net         | PASS
            single label is not looked up                | yq3H9cDKgS                | SKIP
            literal is not looked up                     | [203.0.113.9]             | SKIP
            """)
    void heloUnresolvable(String name, String helo, Outcome expected) {
        assertThat(run(new HeloUnresolvable(resolver), helo, "203.0.113.9", "198.51.100.25")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            forward lookup gives the client (seed 004)         | mail.example.net      | 203.0.113.9   | PASS
            IPv6 client, AAAA gives it                         | v6.example.net        | 2001:db8::9   | PASS
            upper case HELO                                    | MAIL.EXAMPLE.NET      | 203.0.113.9   | PASS
            pool: mx0 from mx1, mx0 reverses to itself (seed 004 reverse step) | mx0.slc.paypal.com | 203.0.113.21 | PASS
            resolves elsewhere, no way back                    | spoof.example.net     | 203.0.113.9   | FAIL
            does not resolve at all                            | yq3h9cdkgs.example    | 203.0.113.9   | FAIL
            IPv4-only helodnscheck would fail any IPv6 client  | v6.example.net        | 2001:db8::9   | PASS
            SERVFAIL is never FAIL                             | broken.example.net    | 203.0.113.9   | TEMPFAIL
            A timed out, AAAA answered: could not tell         | half.example.net      | 203.0.113.9   | TEMPFAIL
            single label is helo-not-fqdn's                    | DESKTOP3507CDS        | 203.0.113.9   | SKIP
            """)
    void heloUnverified(String name, String helo, String client, Outcome expected) {
        assertThat(run(new HeloUnverified(resolver), helo, client, "198.51.100.25")).isEqualTo(expected);
    }

    @Test
    void heloUnverifiedAcceptsTheClientsReverseName() {
        // Exim's verify=helo: a name that is the client's PTR name is verified without a forward match
        Finding f = new HeloUnverified(resolver).check(Snapshots.client("203.0.113.99").ptrOnly("mail.bigfish.com")
                .helo("mail.bigfish.com").at(Stage.HELO));
        assertThat(f.outcome()).isEqualTo(Outcome.PASS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            name resolves to our NAT address (helodnscheck V) | relay.herzbube.ch          | 203.0.113.40 | 198.51.100.25 | FAIL
            the host behind our NAT address itself            | relay.herzbube.ch          | 192.0.2.25   | 198.51.100.25 | PASS
            lookalike address (helodnscheck strstr bug)       | eleven.example.net         | 203.0.113.40 | 198.51.100.25 | PASS
            O365 name on 127.0.0.1 while we listen on loopback (debops #2058) | outbound.o365.example.com | 203.0.113.40 | 127.0.0.1 | PASS
            an ordinary sender                                | mail.example.net           | 203.0.113.9  | 198.51.100.25 | PASS
            SERVFAIL is never FAIL                            | broken.example.net         | 203.0.113.40 | 198.51.100.25 | TEMPFAIL
            A is ours, AAAA timed out (may be the client's)   | half-ours.example.net      | 2001:db8::40 | 198.51.100.25 | TEMPFAIL
            """)
    void heloResolvesToUs(String name, String helo, String client, String local, Outcome expected) {
        assertThat(run(new HeloResolvesToUs(resolver, HeloForgeryChecksTest.US), helo, client, local)).isEqualTo(expected);
    }
}
