package warden.policy.dnsbl;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/** Lookups against a real DNS server on loopback: scores, threshold, codes, refusal codes, IPv6, TXT, failures, whitelists. */
@Timeout(30)
class DnsListsTest {

    static TestDnsServer dns;
    static Resolver resolver;
    final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void zones() {
        dns = TestDnsServer.start();
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 0, 1000, new TestClock());
        // 192.0.2.99: listed by barracuda and zen (with reasons), not by spamcop
        dns.a("99.2.0.192.b.barracuda.test", "127.0.0.2").txt("99.2.0.192.b.barracuda.test", "http://barracuda.test/q?ip=192.0.2.99")
           .a("99.2.0.192.zen.test", "127.0.0.4", "127.0.0.10").txt("99.2.0.192.zen.test", "https://zen.test/query/ip/192.0.2.99")
           // 192.0.2.50: only a PBL listing, and zen behind an open resolver for 192.0.2.51
           .a("50.2.0.192.zen.test", "127.0.0.10")
           .a("51.2.0.192.zen.test", "127.255.255.254").a("51.2.0.192.b.barracuda.test", "127.0.0.2")
           // an expired zone's parking service answers everything
           .a("99.2.0.192.parked.test", "192.0.2.200")
           .servfail("99.2.0.192.broken.test")
           // slow list, also listing 192.0.2.99
           .a("99.2.0.192.slow.test", "127.0.0.2").delay("99.2.0.192.slow.test", Duration.ofMillis(600))
           // IPv6 client 2001:db8::99 listed by zen
           .a("9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.test", "127.0.0.3")
           // a whitelist listing 192.0.2.77, who is also on two blacklists
           .a("77.2.0.192.wl.test", "127.0.15.2")
           .a("77.2.0.192.zen.test", "127.0.0.2").a("77.2.0.192.b.barracuda.test", "127.0.0.2");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private DnsLists lists(int threshold, List<DnsList> black, List<DnsList> white) {
        return new DnsLists(threshold, black, white, resolver, log::add);
    }

    private static List<DnsList> seedLists() {
        return List.of(DnsList.of("b.barracuda.test"), DnsList.of("zen.test"), DnsList.of("spamcop.test"));
    }

    @Test
    void twoListingsReachTheSeedsThresholdWithTheirTexts() {
        DnsListReport r = lists(2, seedLists(), List.of()).lookup(ip("192.0.2.99"));
        assertThat(r.reached()).isTrue();
        assertThat(r.score()).isEqualTo(2);
        assertThat(r.listings()).extracting(Listing::zone).containsExactly("b.barracuda.test", "zen.test");
        assertThat(r.listings().get(0).text()).isEqualTo("http://barracuda.test/q?ip=192.0.2.99");
        assertThat(r.listings().get(1).codes()).extracting(a -> a.getHostAddress()).containsExactly("127.0.0.4", "127.0.0.10");
        assertThat(r.zones()).isEqualTo("b.barracuda.test and zen.test");
    }

    @Test
    void oneListingIsAWarningBelowTheThresholdAndWeightsCount() {
        DnsListReport one = lists(2, seedLists(), List.of()).lookup(ip("192.0.2.50"));
        assertThat(one.warned()).isTrue();
        assertThat(one.reached()).isFalse();
        assertThat(one.zones()).isEqualTo("zen.test");

        DnsListReport heavy = lists(2, List.of(new DnsList("zen.test", 2, ReturnCodes.ANY)), List.of()).lookup(ip("192.0.2.50"));
        assertThat(heavy.reached()).as("a list of weight 2 decides alone").isTrue();

        DnsListReport clean = lists(2, seedLists(), List.of()).lookup(ip("192.0.2.1"));
        assertThat(clean.score()).isZero();
        assertThat(clean.warned()).isFalse();
        assertThat(clean.problems()).isEmpty();
    }

    @Test
    void returnCodeFiltersDecideWhatCounts() {
        DnsList sblOnly = new DnsList("zen.test", 1, ReturnCodes.parse(List.of("127.0.0.[2..3]")));
        assertThat(lists(1, List.of(sblOnly), List.of()).lookup(ip("192.0.2.50")).score()).as("PBL filtered out").isZero();
        DnsList pbl = new DnsList("zen.test", 1, ReturnCodes.parse(List.of("127.0.0.10-127.0.0.11")));
        assertThat(lists(1, List.of(pbl), List.of()).lookup(ip("192.0.2.50")).reached()).isTrue();
    }

    @Test
    void refusalCodesAndForeignAnswersAreNeverListingsAndAreLogged() {
        DnsListReport r = lists(2, List.of(DnsList.of("zen.test"), DnsList.of("b.barracuda.test")), List.of())
                .lookup(ip("192.0.2.51"));
        assertThat(r.listings()).extracting(Listing::zone).containsExactly("b.barracuda.test");
        assertThat(r.reached()).isFalse();
        assertThat(log).anySatisfy(l -> assertThat(l).contains("[192.0.2.51]").contains("zen.test answered 127.255.255.254")
                .contains("open resolver").contains("not counted"));

        DnsListReport parked = lists(1, List.of(DnsList.of("parked.test")), List.of()).lookup(ip("192.0.2.99"));
        assertThat(parked.score()).isZero();
        assertThat(parked.problems()).anySatisfy(p -> assertThat(p).contains("outside 127.0.0.0/8"));
    }

    @Test
    void aTemporaryFailureIsNeverAListing() {
        DnsListReport r = lists(1, List.of(DnsList.of("broken.test")), List.of()).lookup(ip("192.0.2.99"));
        assertThat(r.score()).isZero();
        assertThat(r.reached()).isFalse();
        assertThat(r.problems()).singleElement().satisfies(p -> assertThat(p).contains("broken.test: temporary DNS failure"));
    }

    @Test
    void lookupsStopOnceTheThresholdIsReached() {
        List<DnsList> lists = List.of(DnsList.of("slow.test"), DnsList.of("b.barracuda.test"), DnsList.of("zen.test"));
        DnsListReport r = lists(2, lists, List.of()).lookup(ip("192.0.2.99"));
        assertThat(r.reached()).isTrue();
        assertThat(r.listings()).as("the slow list's answer is not waited for")
                .extracting(Listing::zone).containsExactly("b.barracuda.test", "zen.test");
        DnsListReport all = lists(3, lists, List.of()).lookup(ip("192.0.2.99"));
        assertThat(all.problems()).isEmpty();
        assertThat(all.listings()).as("below the threshold every list is asked, reported in configured order")
                .extracting(Listing::zone).containsExactly("slow.test", "b.barracuda.test", "zen.test");
    }

    @Test
    void ipv6ClientsAreAskedByNibbles() {
        DnsListReport r = lists(1, seedLists(), List.of()).lookup(ip("2001:db8::99"));
        assertThat(r.listings()).extracting(Listing::zone).containsExactly("zen.test");
    }

    @Test
    void aWhitelistListingExemptsAndNoBlacklistIsAsked() {
        int before = dns.queries("77.2.0.192.zen.test");
        DnsListReport r = lists(2, seedLists(), List.of(DnsList.of("wl.test"))).lookup(ip("192.0.2.77"));
        assertThat(r.whitelisted()).hasValueSatisfying(l -> assertThat(l.zone()).isEqualTo("wl.test"));
        assertThat(r.reached()).isFalse();
        assertThat(r.warned()).isFalse();
        assertThat(dns.queries("77.2.0.192.zen.test")).isEqualTo(before);

        DnsListReport notWhite = lists(2, seedLists(), List.of(DnsList.of("wl.test"))).lookup(ip("192.0.2.99"));
        assertThat(notWhite.whitelisted()).isEmpty();
        assertThat(notWhite.reached()).isTrue();
    }
}
