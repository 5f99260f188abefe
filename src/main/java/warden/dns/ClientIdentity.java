package warden.dns;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * What DNS says about a client address: its PTR names and which of them is forward-confirmed.
 *
 * <p>A name is forward-confirmed (FCrDNS) when one of its A/AAAA records is the client address.
 * {@code tempFail} is true when an answer needed to decide was a temporary failure: a check must
 * then say "could not tell" (TEMPFAIL), which never refuses or delays.
 *
 * @param address the client address
 * @param ptrNames the PTR names (empty when there is none or the lookup failed)
 * @param confirmedName the first PTR name whose addresses include {@code address}
 * @param tempFail whether a lookup failed temporarily
 */
public record ClientIdentity(InetAddress address, List<String> ptrNames, Optional<String> confirmedName,
                             boolean tempFail) {

    public ClientIdentity {
        ptrNames = List.copyOf(ptrNames);
    }

    /** The name to show in a Received header: the confirmed name, else the first PTR name, else empty. */
    public Optional<String> displayName() {
        return confirmedName.or(() -> ptrNames.stream().findFirst());
    }

    /** An identity for an address whose DNS was not consulted (e.g. a trusted local client). */
    public static ClientIdentity unknown(InetAddress address) {
        return new ClientIdentity(address, List.of(), Optional.empty(), false);
    }

    /** Looks up PTR and then forward-confirms each name (at most {@code maxNames}). */
    public static ClientIdentity lookup(Resolver resolver, InetAddress address) {
        DnsAnswer<String> ptr = resolver.ptr(address);
        boolean tempFail = ptr.isTempFail();
        List<String> names = ptr.valuesOrEmpty();
        Optional<String> confirmed = Optional.empty();
        for (String name : names.subList(0, Math.min(names.size(), 10))) {
            DnsAnswer<InetAddress> forward = address instanceof java.net.Inet6Address
                    ? resolver.aaaa(name) : resolver.a(name);
            if (forward.isTempFail()) {
                tempFail = true;
            } else if (forward.valuesOrEmpty().contains(address)) {
                confirmed = Optional.of(name);
                break;
            }
        }
        return new ClientIdentity(address, names, confirmed, tempFail && confirmed.isEmpty());
    }
}
