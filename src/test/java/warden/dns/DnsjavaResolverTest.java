package warden.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

/** DnsjavaResolver against a real DNS server on loopback: every answer travels UDP or TCP. */
@Timeout(30)
class DnsjavaResolverTest {

    private final TestDnsServer dns = TestDnsServer.start();
    private final TestClock clock = new TestClock();
    private final DnsjavaResolver resolver = resolver(1000);

    @AfterEach
    void stop() {
        dns.close();
    }

    private DnsjavaResolver resolver(int cacheEntries) {
        return new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(800), 1, cacheEntries, clock);
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: never asks DNS
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> List<T> found(DnsAnswer<T> answer) {
        assertThat(answer).isInstanceOf(DnsAnswer.Found.class);
        return answer.valuesOrEmpty();
    }

    @Nested
    class RecordTypes {

        @Test
        void aRecords() {
            dns.a("mail.example.test", "192.0.2.1", "192.0.2.2");

            assertThat(found(resolver.a("mail.example.test")))
                    .containsExactlyInAnyOrder(ip("192.0.2.1"), ip("192.0.2.2"));
        }

        @Test
        void aaaaRecords() {
            dns.aaaa("mail.example.test", "2001:db8::25");

            assertThat(found(resolver.aaaa("mail.example.test"))).containsExactly(ip("2001:db8::25"));
        }

        @Test
        void addressesCombineAandAaaa() {
            dns.a("dual.test", "192.0.2.1").aaaa("dual.test", "2001:db8::1");

            assertThat(found(resolver.addresses("dual.test")))
                    .containsExactly(ip("192.0.2.1"), ip("2001:db8::1"));
        }

        @Test
        void addressesOfAnIpv6OnlyName() {
            dns.aaaa("v6only.test", "2001:db8::1");

            assertThat(found(resolver.addresses("v6only.test"))).containsExactly(ip("2001:db8::1"));
        }

        @Test
        void addressesTempFailOnlyWhenNothingWasFound() {
            dns.a("half.test", "192.0.2.1").servfail("broken.test");

            assertThat(resolver.addresses("broken.test")).isInstanceOf(DnsAnswer.TempFail.class);
            assertThat(resolver.addresses("nothing.test")).isEqualTo(new DnsAnswer.NotFound<>(true));
            assertThat(resolver.addresses("half.test").valuesOrEmpty()).containsExactly(ip("192.0.2.1"));
        }

        @Test
        void ipv4Ptr() {
            dns.ptr(ip("192.0.2.7"), "Host7.Example.TEST");

            assertThat(found(resolver.ptr(ip("192.0.2.7")))).containsExactly("host7.example.test");
        }

        @Test
        void ipv6PtrUsesIp6ArpaNibbles() {
            InetAddress v6 = ip("2001:db8:1:2::abcd");
            dns.ptr(v6, "six.example.test");

            assertThat(found(resolver.ptr(v6))).containsExactly("six.example.test");
            assertThat(dns.queries("d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"))
                    .isEqualTo(1);
        }

        @Test
        void txtJoinsTheCharacterStringsOfEachRecord() {
            String spf = "v=spf1 " + "ip4:192.0.2.0/24 ".repeat(30) + "-all";
            dns.txt("example.test", spf, "second record");

            assertThat(found(resolver.txt("example.test"))).containsExactlyInAnyOrder(spf, "second record");
        }

        @Test
        void mxSortedByPreferenceWithoutTrailingDot() {
            dns.mx("example.test", 20, "backup.example.test").mx("example.test", 10, "MX1.example.test.");

            assertThat(found(resolver.mx("example.test"))).containsExactly(
                    new MxHost(10, "mx1.example.test"), new MxHost(20, "backup.example.test"));
        }

        @Test
        void nullMxHasAnEmptyExchange() {
            dns.mx("nomail.test", 0, ".");

            assertThat(found(resolver.mx("nomail.test"))).containsExactly(new MxHost(0, ""));
        }

        @Test
        void namesWorkWithTrailingDotAndAnyCase() {
            dns.a("mail.example.test", "192.0.2.1");

            assertThat(found(resolver.a("MAIL.Example.test."))).containsExactly(ip("192.0.2.1"));
        }
    }

    @Nested
    class NegativeAndFailures {

        @Test
        void nxdomainIsNotFoundNxdomain() {
            assertThat(resolver.a("nowhere.test")).isEqualTo(new DnsAnswer.NotFound<>(true));
        }

        @Test
        void nameWithOtherRecordsIsNoData() {
            dns.a("mail.example.test", "192.0.2.1");

            assertThat(resolver.mx("mail.example.test")).isEqualTo(new DnsAnswer.NotFound<>(false));
            assertThat(resolver.aaaa("mail.example.test")).isEqualTo(new DnsAnswer.NotFound<>(false));
        }

        @Test
        void servfailIsTempFail() {
            dns.servfail("broken.test");

            assertThat(resolver.a("broken.test")).isInstanceOfSatisfying(DnsAnswer.TempFail.class,
                    f -> assertThat(f.reason()).contains("SERVFAIL").contains("broken.test"));
        }

        @Test
        void refusedIsTempFail() {
            dns.refuse("closed.test");

            assertThat(resolver.txt("closed.test")).isInstanceOfSatisfying(DnsAnswer.TempFail.class,
                    f -> assertThat(f.reason()).contains("REFUSED"));
        }

        @Test
        void silentServerIsTempFailAfterTheRetries() {
            dns.timeout("slow.test");
            var quick = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(300), 1, 100, clock);

            long start = System.nanoTime();
            DnsAnswer<InetAddress> answer = quick.a("slow.test");

            assertThat(answer).isInstanceOfSatisfying(DnsAnswer.TempFail.class,
                    f -> assertThat(f.reason()).contains("timeout"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
            assertThat(dns.queries("slow.test")).as("first attempt and one retry").isEqualTo(2);
        }

        @Test
        void unreachableServerIsTempFail() throws Exception {
            InetSocketAddress nobody;
            try (TestDnsServer closed = TestDnsServer.start()) {
                nobody = closed.address();
            }
            var quick = new DnsjavaResolver(List.of(nobody), Duration.ofMillis(300), 0, 100, clock);

            assertThat(quick.mx("example.test")).isInstanceOf(DnsAnswer.TempFail.class);
        }

        @Test
        void servfailMovesOnToTheNextServer() {
            try (TestDnsServer second = TestDnsServer.start()) {
                dns.servfail("example.test");
                second.a("example.test", "192.0.2.9");
                var two = new DnsjavaResolver(List.of(dns.address(), second.address()),
                        Duration.ofMillis(800), 2, 100, clock);

                assertThat(found(two.a("example.test"))).containsExactly(ip("192.0.2.9"));
                assertThat(dns.queries("example.test")).as("SERVFAIL is not retried").isEqualTo(1);
            }
        }

        @Test
        void invalidNamesAreNotFoundWithoutAQuery() {
            assertThat(resolver.a("a..b")).isEqualTo(new DnsAnswer.NotFound<>(true));
            assertThat(resolver.a("x".repeat(64) + ".test")).isEqualTo(new DnsAnswer.NotFound<>(true));
            assertThat(resolver.a("")).isEqualTo(new DnsAnswer.NotFound<>(true));
            assertThat(dns.totalQueries()).isZero();
        }
    }

    @Nested
    class Transport {

        @Test
        void truncatedUdpAnswerIsFetchedOverTcp() {
            String[] forty = IntStream.rangeClosed(1, 40).mapToObj(i -> "192.0.2." + i).toArray(String[]::new);
            dns.a("big.test", forty);

            assertThat(found(resolver.a("big.test"))).hasSize(40);
            assertThat(dns.tcpQueries("big.test")).isEqualTo(1);
        }

        @Test
        void longTxtIsFetchedOverTcp() {
            String text = "k=".concat("x".repeat(900));
            dns.txt("long.test", text);

            assertThat(found(resolver.txt("long.test"))).containsExactly(text);
            assertThat(dns.tcpQueries("long.test")).isEqualTo(1);
        }
    }

    @Nested
    class Cnames {

        @Test
        void chainInTheAnswerIsFollowed() {
            dns.cname("www.example.test", "web.example.test")
                    .cname("web.example.test", "host.example.test")
                    .a("host.example.test", "192.0.2.80");

            assertThat(found(resolver.a("www.example.test"))).containsExactly(ip("192.0.2.80"));
            assertThat(dns.queries("web.example.test")).as("no second query").isZero();
        }

        @Test
        void chainToANameWithoutTheTypeIsNoData() {
            dns.cname("alias.test", "target.test").aaaa("target.test", "2001:db8::1");

            assertThat(resolver.a("alias.test")).isEqualTo(new DnsAnswer.NotFound<>(false));
        }

        @Test
        void chainToAMissingNameIsNxdomain() {
            dns.cname("dangling.test", "gone.test");

            assertThat(resolver.a("dangling.test")).isEqualTo(new DnsAnswer.NotFound<>(true));
        }

        @Test
        void cnameLoopEndsAsNoData() {
            dns.cname("ping.test", "pong.test").cname("pong.test", "ping.test");

            assertThat(resolver.a("ping.test")).isInstanceOf(DnsAnswer.NotFound.class);
        }

        @Test
        void ttlOfTheWholeChainLimitsCaching() {
            dns.ttl(30).cname("www.test", "host.test").ttl(600).a("host.test", "192.0.2.1");

            resolver.a("www.test");
            clock.advance(Duration.ofSeconds(31));
            resolver.a("www.test");

            assertThat(dns.queries("www.test")).isEqualTo(2);
        }
    }

    @Nested
    class Caching {

        @Test
        void repeatedQuestionIsAnsweredFromTheCache() {
            dns.a("mail.example.test", "192.0.2.1");

            resolver.a("mail.example.test");
            resolver.a("MAIL.example.test.");

            assertThat(dns.queries("mail.example.test")).isEqualTo(1);
        }

        @Test
        void positiveAnswerExpiresAfterItsSmallestTtl() {
            dns.ttl(60).a("mail.example.test", "192.0.2.1").ttl(3600).a("mail.example.test", "192.0.2.2");
            resolver.a("mail.example.test");

            clock.advance(Duration.ofSeconds(59));
            resolver.a("mail.example.test");
            assertThat(dns.queries("mail.example.test")).isEqualTo(1);

            dns.remove("mail.example.test").a("mail.example.test", "192.0.2.3");
            clock.advance(Duration.ofSeconds(2));
            assertThat(found(resolver.a("mail.example.test"))).containsExactly(ip("192.0.2.3"));
            assertThat(dns.queries("mail.example.test")).isEqualTo(2);
        }

        @Test
        void zeroTtlIsNotCached() {
            dns.ttl(0).a("volatile.test", "192.0.2.1");

            resolver.a("volatile.test");
            resolver.a("volatile.test");

            assertThat(dns.queries("volatile.test")).isEqualTo(2);
        }

        @Test
        void positiveTtlIsCappedAtAnHour() {
            dns.ttl(86_400).a("stable.test", "192.0.2.1");

            resolver.a("stable.test");
            clock.advance(Duration.ofHours(1).plusSeconds(1));
            resolver.a("stable.test");

            assertThat(dns.queries("stable.test")).isEqualTo(2);
        }

        @Test
        void nxdomainIsCachedForTheSoaMinimum() {
            dns.negativeTtl(120);
            resolver.a("new.test");

            dns.a("new.test", "192.0.2.1");
            clock.advance(Duration.ofSeconds(119));
            assertThat(resolver.a("new.test")).isEqualTo(new DnsAnswer.NotFound<>(true));

            clock.advance(Duration.ofSeconds(2));
            assertThat(found(resolver.a("new.test"))).containsExactly(ip("192.0.2.1"));
            assertThat(dns.queries("new.test")).isEqualTo(2);
        }

        @Test
        void noDataIsCachedPerType() {
            dns.negativeTtl(300).a("mail.example.test", "192.0.2.1");

            resolver.aaaa("mail.example.test");
            resolver.aaaa("mail.example.test");
            resolver.a("mail.example.test");

            assertThat(dns.queries("mail.example.test")).as("one AAAA, one A").isEqualTo(2);
        }

        @Test
        void negativeTtlIsCappedAtAnHour() {
            dns.negativeTtl(86_400);

            resolver.a("nowhere.test");
            clock.advance(Duration.ofHours(1).plusSeconds(1));
            resolver.a("nowhere.test");

            assertThat(dns.queries("nowhere.test")).isEqualTo(2);
        }

        @Test
        void negativeAnswerWithoutSoaIsCachedBriefly() {
            dns.withoutSoa();

            resolver.a("nowhere.test");
            clock.advance(Duration.ofSeconds(29));
            resolver.a("nowhere.test");
            assertThat(dns.queries("nowhere.test")).isEqualTo(1);

            clock.advance(Duration.ofSeconds(2));
            resolver.a("nowhere.test");
            assertThat(dns.queries("nowhere.test")).isEqualTo(2);
        }

        @Test
        void tempFailIsCachedOnlyForSeconds() {
            dns.a("flaky.test", "192.0.2.1").servfail("flaky.test");
            assertThat(resolver.a("flaky.test")).isInstanceOf(DnsAnswer.TempFail.class);

            dns.answer("flaky.test");
            assertThat(resolver.a("flaky.test")).as("still cached").isInstanceOf(DnsAnswer.TempFail.class);
            assertThat(dns.queries("flaky.test")).isEqualTo(1);

            clock.advance(Duration.ofSeconds(DnsjavaResolver.TEMP_FAIL_SECONDS));
            assertThat(found(resolver.a("flaky.test"))).containsExactly(ip("192.0.2.1"));
        }

        @Test
        void cacheKeepsOnlyTheMostRecentlyUsedQuestions() {
            var small = resolver(3);
            for (String name : List.of("one.test", "two.test", "three.test")) {
                dns.a(name, "192.0.2.1");
                small.a(name);
            }
            small.a("one.test"); // now most recently used: "two" is the eldest

            dns.a("four.test", "192.0.2.4");
            small.a("four.test");
            small.a("one.test");
            small.a("two.test");

            assertThat(dns.queries("one.test")).as("kept").isEqualTo(1);
            assertThat(dns.queries("two.test")).as("evicted").isEqualTo(2);
        }

        @Test
        void noCacheAsksEveryTime() {
            var uncached = resolver(0);
            dns.a("mail.example.test", "192.0.2.1");

            uncached.a("mail.example.test");
            uncached.a("mail.example.test");

            assertThat(dns.queries("mail.example.test")).isEqualTo(2);
        }
    }

    @Nested
    class Concurrency {

        @Test
        void identicalQuestionsInFlightShareOneQuery() throws Exception {
            // TTL 0: nothing is cached, so only sharing the query in flight keeps the count at one.
            dns.ttl(0).a("popular.test", "192.0.2.1").delay("popular.test", Duration.ofMillis(700));
            var patient = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(5), 0, 100, clock);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<DnsAnswer<InetAddress>>> answers = new ArrayList<>();

            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 50; i++) {
                    answers.add(threads.submit(() -> {
                        start.await();
                        return patient.a("popular.test");
                    }));
                }
                start.countDown();
                for (Future<DnsAnswer<InetAddress>> answer : answers) {
                    assertThat(answer.get().valuesOrEmpty()).containsExactly(ip("192.0.2.1"));
                }
            }

            assertThat(dns.queries("popular.test")).isEqualTo(1);
        }

        @Test
        void manyDifferentQuestionsFromVirtualThreads() throws Exception {
            for (int i = 0; i < 200; i++) dns.a("host" + i + ".test", "192.0.2." + (i % 250 + 1));

            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<DnsAnswer<InetAddress>>> answers = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String name = "host" + i + ".test";
                    answers.add(threads.submit(() -> resolver.a(name)));
                }
                for (int i = 0; i < 200; i++) {
                    assertThat(answers.get(i).get().valuesOrEmpty()).containsExactly(ip("192.0.2." + (i % 250 + 1)));
                }
            }
        }
    }
}
