package warden.testing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.stream.Stream;

/**
 * The JVM's host name resolver in every test (registered through {@code META-INF/services}): it
 * knows {@code localhost} and nothing else, so no test can depend on the machine's resolver or
 * send a query off the machine by accident. A name lookup through {@link InetAddress} fails with
 * an {@link UnknownHostException} that says why; reverse lookups give back the address (as the
 * JDK does when nothing is found). DNS in tests goes through {@link TestDnsServer}.
 *
 * <p>Its partner is the {@code dns.server} system property set for tests in {@code pom.xml}:
 * dnsjava, asked for "the system's servers" (a config without {@code dns.servers}), then gets a
 * loopback port where nothing answers, not {@code /etc/resolv.conf}.
 *
 * <h2>Standards</h2>
 * JEP 418 ({@code java.net.spi.InetAddressResolverProvider}).
 */
public final class LoopbackOnlyResolverProvider extends InetAddressResolverProvider {

    @Override
    public InetAddressResolver get(Configuration configuration) {
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                if (host.equalsIgnoreCase("localhost") || host.equalsIgnoreCase("localhost.")) {
                    return Stream.of(InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}),
                            InetAddress.getByAddress("localhost", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}));
                }
                throw new UnknownHostException(host + ": tests never use the machine's resolver (use TestDnsServer)");
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                throw new UnknownHostException("tests never use the machine's resolver");
            }
        };
    }

    @Override
    public String name() {
        return "warden-tests-loopback-only";
    }
}
