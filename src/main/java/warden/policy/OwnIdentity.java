package warden.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who we are, as the forgery checks need to know it: our host names, the mail domains we receive
 * for, and our own addresses (interface addresses and, behind NAT, the public ones).
 *
 * <p>The domain test is a predicate so that it can follow a reloaded domain table; it is asked
 * about lower-case names without a trailing dot. The address the client connected to is always
 * counted as ours by the checks, in addition to {@code addresses}.
 *
 * @param hostnames our host names (the first is the primary one), lower case
 * @param domains whether a name is one of our mail domains
 * @param addresses our own addresses besides the one the client connected to
 */
public record OwnIdentity(List<String> hostnames, Predicate<String> domains, Set<InetAddress> addresses) {

    public OwnIdentity {
        hostnames = hostnames.stream().map(OwnIdentity::normal).toList();
        addresses = Set.copyOf(addresses);
    }

    /** An identity from a fixed domain set. */
    public static OwnIdentity of(String hostname, Set<String> domains, Set<InetAddress> addresses) {
        Set<String> normal = Set.copyOf(domains.stream().map(OwnIdentity::normal).toList());
        return new OwnIdentity(List.of(hostname), normal::contains, addresses);
    }

    /** An identity that knows nothing: no forgery check can match. */
    public static OwnIdentity none() {
        return new OwnIdentity(List.of(), d -> false, Set.of());
    }

    /**
     * Whether {@code address} is ours: one of {@code addresses}, or {@code localAddress} (the one the
     * client connected to) unless that is a loopback or wildcard address, which claims nobody's.
     */
    public boolean isOurAddress(InetAddress address, InetAddress localAddress) {
        if (addresses.contains(address)) return true;
        return address.equals(localAddress) && !localAddress.isLoopbackAddress() && !localAddress.isAnyLocalAddress();
    }

    public boolean isOurHostname(String name) { return hostnames.contains(normal(name)); }

    public boolean isOurDomain(String name) { return domains.test(normal(name)); }

    /** Lower case, without one trailing dot. */
    static String normal(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
