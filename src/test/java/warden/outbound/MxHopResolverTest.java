package warden.outbound;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xbill.DNS.Type;
import warden.dns.DnsjavaResolver;
import warden.outbound.HopResolver.Candidate;
import warden.outbound.HopResolver.Candidates;
import warden.outbound.HopResolver.Fail;
import warden.outbound.HopResolver.Resolution;
import warden.outbound.HopResolver.TempFail;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 5321 section 5.1 and RFC 7505 through a real DNS server on loopback. */
@Timeout(30)
class MxHopResolverTest {

    private static final String US = "mx.us.test";
    private static final InetAddress OUR_ADDRESS = ip("127.0.0.9");

    private final TestDnsServer dns = TestDnsServer.start();
    private final DnsjavaResolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(300), 0, 0,
            new TestClock());

    @AfterEach
    void stop() {
        dns.close();
    }

    private MxHopResolver hops(long seed) {
        return new MxHopResolver(resolver, Set.of(US), Set.of(OUR_ADDRESS), new Random(seed), MxHopResolver.DEFAULT_MAX_CANDIDATES);
    }

    private Resolution mx(String domain) {
        return hops(1).resolve(Destination.mx(domain));
    }

    private static List<String> shown(Resolution r) {
        assertThat(r).isInstanceOf(Candidates.class);
        return ((Candidates) r).candidates().stream()
                .map(c -> c.host() + " " + warden.mail.IpText.of(c.address()) + ":" + c.port()).toList();
    }

    @Test
    void mxHostsAreTriedByPreferenceLowestFirst() {
        dns.mx("example.test", 20, "backup.example.test").mx("example.test", 10, "primary.example.test")
                .a("primary.example.test", "127.0.0.10").a("backup.example.test", "127.0.0.20");
        assertThat(shown(mx("Example.TEST."))).containsExactly("primary.example.test 127.0.0.10:25",
                "backup.example.test 127.0.0.20:25");
    }

    @Test
    void hostsOfEqualPreferenceComeInRandomOrderThatASeedRepeats() {
        dns.mx("equal.test", 10, "a.equal.test").mx("equal.test", 10, "b.equal.test").mx("equal.test", 10, "c.equal.test")
                .mx("equal.test", 20, "z.equal.test")
                .a("a.equal.test", "127.0.0.11").a("b.equal.test", "127.0.0.12").a("c.equal.test", "127.0.0.13")
                .a("z.equal.test", "127.0.0.19");
        Set<List<String>> orders = new HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            List<String> order = shown(hops(seed).resolve(Destination.mx("equal.test")));
            assertThat(order).hasSize(4).last().isEqualTo("z.equal.test 127.0.0.19:25");
            assertThat(shown(hops(seed).resolve(Destination.mx("equal.test")))).isEqualTo(order);
            orders.add(order);
        }
        assertThat(orders).hasSizeGreaterThan(1);
    }

    @Test
    void withoutMxTheDomainItselfIsTheImplicitMxWithIpv6AndIpv4InTurn() {
        dns.a("plain.test", "127.0.0.30", "127.0.0.31").aaaa("plain.test", "::1", "::2");
        assertThat(shown(mx("plain.test"))).containsExactly("plain.test ::1:25", "plain.test 127.0.0.30:25",
                "plain.test ::2:25", "plain.test 127.0.0.31:25");
    }

    @Test
    void aDomainThatDoesNotExistFailsWith512() {
        assertThat(mx("nowhere.test")).isInstanceOfSatisfying(Fail.class, f -> {
            assertThat(f.status()).isEqualTo("5.1.2");
            assertThat(f.text()).contains("nowhere.test does not exist");
        });
    }

    @Test
    void aDomainWithNoMxAndNoAddressFailsWith544() {
        dns.exists("empty.test");
        assertThat(mx("empty.test")).isInstanceOfSatisfying(Fail.class, f -> {
            assertThat(f.status()).isEqualTo("5.4.4");
            assertThat(f.text()).contains("has no MX, A or AAAA record");
        });
    }

    @Test
    void aNullMxFailsAtOnceWith5110() {
        dns.mx("nomail.test", 0, ".").a("nomail.test", "127.0.0.40");
        assertThat(mx("nomail.test")).isInstanceOfSatisfying(Fail.class, f -> {
            assertThat(f.status()).isEqualTo("5.1.10");
            assertThat(f.text()).contains("does not accept mail").contains("RFC 7505");
        });
    }

    @Test
    void aNullMxBesideRealOnesIsIgnored() {
        dns.mx("mixed.test", 0, ".").mx("mixed.test", 10, "mx.mixed.test").a("mx.mixed.test", "127.0.0.41");
        assertThat(shown(mx("mixed.test"))).containsExactly("mx.mixed.test 127.0.0.41:25");
    }

    @Test
    void anMxNamedLikeUsKeepsOnlyTheMorePreferredHosts() {
        dns.mx("ours.test", 5, "primary.ours.test").mx("ours.test", 10, US).mx("ours.test", 10, "peer.ours.test")
                .mx("ours.test", 20, "backup.ours.test")
                .a("primary.ours.test", "127.0.0.50").a("peer.ours.test", "127.0.0.51").a("backup.ours.test", "127.0.0.52");
        assertThat(shown(mx("ours.test"))).containsExactly("primary.ours.test 127.0.0.50:25");
        assertThat(dns.queries("backup.ours.test")).isZero();
    }

    @Test
    void anMxHostWithOneOfOurAddressesIsUs() {
        dns.mx("alias.test", 10, "first.alias.test").mx("alias.test", 10, "second.alias.test")
                .mx("alias.test", 20, "third.alias.test")
                .a("first.alias.test", "127.0.0.60").a("second.alias.test", "127.0.0.61", "127.0.0.9")
                .a("third.alias.test", "127.0.0.62");
        // whatever the order among the two of preference 10, neither is used: we are one of them
        for (long seed = 0; seed < 5; seed++) {
            assertThat(hops(seed).resolve(Destination.mx("alias.test"))).isInstanceOfSatisfying(Fail.class, f -> {
                assertThat(f.status()).isEqualTo("5.4.6");
                assertThat(f.text()).contains("loops back to myself");
            });
        }
    }

    @Test
    void weAsTheBestMxIsALoop() {
        dns.mx("loop.test", 10, US).mx("loop.test", 20, "backup.loop.test").a("backup.loop.test", "127.0.0.70");
        assertThat(mx("loop.test")).isInstanceOfSatisfying(Fail.class, f -> assertThat(f.status()).isEqualTo("5.4.6"));
    }

    @Test
    void anImplicitMxThatIsUsIsALoop() {
        dns.a("self.test", "127.0.0.9");
        assertThat(mx("self.test")).isInstanceOfSatisfying(Fail.class, f -> assertThat(f.status()).isEqualTo("5.4.6"));
    }

    @Test
    void aTemporaryMxFailureDefersNeverFails() {
        dns.a("flaky.test", "127.0.0.80").servfail("flaky.test");
        assertThat(mx("flaky.test")).isInstanceOfSatisfying(TempFail.class, t -> {
            assertThat(t.status()).isEqualTo("4.4.3");
            assertThat(t.text()).contains("MX of flaky.test");
        });
    }

    @Test
    void anMxHostThatCannotBeLookedUpIsSkippedWhenOthersAnswer() {
        dns.mx("partial.test", 10, "down.partial.test").mx("partial.test", 20, "up.partial.test")
                .a("down.partial.test", "127.0.0.90").servfail("down.partial.test").a("up.partial.test", "127.0.0.91");
        assertThat(shown(mx("partial.test"))).containsExactly("up.partial.test 127.0.0.91:25");
    }

    @Test
    void whenNoMxHostCanBeLookedUpTheResultIsATemporaryFailureEvenBesideALoop() {
        dns.mx("dark.test", 10, "down.dark.test").mx("dark.test", 20, US).servfail("down.dark.test");
        assertThat(mx("dark.test")).isInstanceOfSatisfying(TempFail.class, t -> assertThat(t.text()).contains("down.dark.test"));
    }

    @Test
    void halfAnAnswerStillGivesTheAddressesFound() {
        dns.a("half.test", "127.0.0.95").aaaa("half.test", "::1").timeout("half.test", Type.AAAA);
        assertThat(shown(mx("half.test"))).containsExactly("half.test 127.0.0.95:25");
    }

    @Test
    void theNumberOfCandidatesAndOfMxHostsLookedUpIsBounded() {
        for (int i = 0; i < 30; i++) {
            dns.mx("many.test", i, "mx" + i + ".many.test").a("mx" + i + ".many.test", "127.0.1." + i, "127.0.2." + i);
        }
        List<String> shown = shown(mx("many.test"));
        assertThat(shown).hasSize(MxHopResolver.DEFAULT_MAX_CANDIDATES).first().isEqualTo("mx0.many.test 127.0.1.0:25");
        int looked = 0;
        for (int i = 0; i < 30; i++) looked += dns.queries("mx" + i + ".many.test") > 0 ? 1 : 0;
        assertThat(looked).isLessThanOrEqualTo(MxHopResolver.MAX_MX_HOSTS);
    }

    @Test
    void aLiteralNextHopIsUsedAsWrittenWithoutDns() {
        Destination route = new Destination("[127.0.0.1]:2525", List.of(new NextHop("127.0.0.1", 2525, true),
                new NextHop("::1", 2526, true)), false, Destination.ROUTE);
        assertThat(hops(1).resolve(route)).isEqualTo(new Candidates(List.of(new Candidate("127.0.0.1", ip("127.0.0.1"), 2525),
                new Candidate("::1", ip("::1"), 2526))));
        assertThat(dns.queries("127.0.0.1")).isZero();
    }

    @Test
    void aBracketedNameIsLookedUpByAddressNotMx() {
        dns.mx("relay.test", 10, "elsewhere.test").a("elsewhere.test", "127.0.0.100").a("relay.test", "127.0.0.101");
        Destination smarthost = new Destination("[relay.test]:587", List.of(new NextHop("relay.test", 587, true)), true,
                Destination.SMARTHOST);
        assertThat(shown(hops(1).resolve(smarthost))).containsExactly("relay.test 127.0.0.101:587");
        assertThat(dns.queries("elsewhere.test")).isZero();
    }

    @Test
    void aRouteHostWithoutBracketsIsLookedUpByMxThenAddress() {
        dns.mx("mail.route.test", 10, "mx1.route.test").a("mx1.route.test", "127.0.0.110").a("direct.route.test", "127.0.0.111");
        Destination route = new Destination("mail.route.test:2526 direct.route.test", List.of(new NextHop("mail.route.test", 2526, false),
                new NextHop("direct.route.test", 25, false)), false, Destination.ROUTE);
        assertThat(shown(hops(1).resolve(route))).containsExactly("mx1.route.test 127.0.0.110:2526",
                "direct.route.test 127.0.0.111:25");
    }

    @Test
    void aConfiguredHopThatDoesNotExistOrLoopsDefersInsteadOfBouncing() {
        dns.mx("looping.route.test", 10, US);
        for (NextHop hop : List.of(new NextHop("gone.route.test", 25, false), new NextHop("gone.route.test", 587, true),
                new NextHop("looping.route.test", 25, false))) {
            Destination route = new Destination(hop.text(), List.of(hop), false, Destination.ROUTE);
            assertThat(hops(1).resolve(route)).as(hop.text()).isInstanceOfSatisfying(TempFail.class, t ->
                    assertThat(t.text()).startsWith("configured next hop " + hop.text()).contains("fix routes/smarthost"));
        }
    }

    @Test
    void hopsThatAllFailDeferTheDestination() {
        dns.servfail("flaky.route.test");
        Destination route = new Destination("x", List.of(new NextHop("gone.route.test", 25, true),
                new NextHop("flaky.route.test", 25, true)), false, Destination.ROUTE);
        assertThat(hops(1).resolve(route)).isInstanceOfSatisfying(TempFail.class, t -> assertThat(t.status()).isEqualTo("4.4.3"));
    }

    private static InetAddress ip(String text) {
        return warden.mail.Cidr.literal(text);
    }
}
