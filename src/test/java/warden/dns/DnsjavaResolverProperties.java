package warden.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

/** Whatever a client sends as a name, the resolver answers with a value and never throws. */
class DnsjavaResolverProperties {

    private static TestDnsServer dns;
    private static Resolver resolver;

    @BeforeContainer
    static void start() {
        dns = TestDnsServer.start();
        dns.a("known.test", "192.0.2.1").txt("known.test", "v=spf1 -all").mx("known.test", 10, "known.test");
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 100, new TestClock());
    }

    @AfterContainer
    static void stop() {
        dns.close();
    }

    @Property(tries = 300)
    void arbitraryNamesNeverThrow(@ForAll("names") String name) {
        List<DnsAnswer<?>> answers = List.of(resolver.a(name), resolver.aaaa(name), resolver.addresses(name),
                resolver.txt(name), resolver.mx(name));

        // Only the name the server knows may be found, and nothing may fail: the server answers everything.
        for (DnsAnswer<?> answer : answers) {
            assertThat(answer).isNotNull().isNotInstanceOf(DnsAnswer.TempFail.class);
        }
    }

    @Property(tries = 200)
    void anyAddressHasAPtrAnswer(@ForAll("addresses") byte[] bytes) throws Exception {
        assertThat(resolver.ptr(InetAddress.getByAddress(bytes))).isEqualTo(new DnsAnswer.NotFound<>(true));
    }

    @Provide
    Arbitrary<byte[]> addresses() {
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofSize(4),
                Arbitraries.bytes().array(byte[].class).ofSize(16));
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars("-_.\\ @\"*")
                .ofMinLength(0).ofMaxLength(70);
        Arbitrary<String> dotted = label.list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join(".", parts));
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(300), dotted,
                Arbitraries.of("known.test", "KNOWN.TEST.", ".", "..", "", " ", "\\", "[192.0.2.1]",
                        "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(61)));
    }
}
