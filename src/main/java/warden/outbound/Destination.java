package warden.outbound;

import java.util.List;

/**
 * Where a group of recipients goes: the unit of the per-destination concurrency limit and of
 * connection reuse. Made by {@link Router}; two recipients with equal destinations may share a
 * connection and a transaction.
 *
 * @param key what concurrency and reuse are counted by: the recipient domain (lower case) for MX
 *        delivery; for a route the hops' {@link NextHop#text()} joined by a space; for the
 *        smarthost its {@link NextHop#text()}
 * @param hops the next hops to try in order; for plain MX delivery one non-literal hop, the
 *        recipient domain, port 25
 * @param authenticate whether to AUTH with the {@code smarthost_credentials} of the host (only
 *        over TLS); true for the smarthost only, when {@code smarthost_credentials} is set
 * @param router which rule chose it, for the log's {@code R=} field, Exim's router names:
 *        {@link #ROUTE} ({@code routes:}), {@link #SMARTHOST} ({@code smarthost:}) or
 *        {@link #DNSLOOKUP} (the domain's MX)
 */
public record Destination(String key, List<NextHop> hops, boolean authenticate, String router) {

    /** {@code R=route}: a {@code routes:} entry. */
    public static final String ROUTE = "route";
    /** {@code R=smarthost}: the {@code smarthost:}. */
    public static final String SMARTHOST = "smarthost";
    /** {@code R=dnslookup}: the recipient domain's MX records (Exim's router of that name). */
    public static final String DNSLOOKUP = "dnslookup";

    public Destination {
        hops = List.copyOf(hops);
        if (hops.isEmpty()) throw new IllegalArgumentException("a destination needs a next hop");
    }

    /**
     * A destination whose router is told by its shape: {@link #SMARTHOST} when it authenticates,
     * {@link #DNSLOOKUP} for the one hop {@code key:25} looked up by MX, {@link #ROUTE} otherwise.
     * For tests and callers that make destinations by hand; {@link Router} names the router itself.
     */
    public Destination(String key, List<NextHop> hops, boolean authenticate) {
        this(key, hops, authenticate, authenticate ? SMARTHOST
                : hops.equals(List.of(new NextHop(key, 25, false))) ? DNSLOOKUP : ROUTE);
    }

    /** MX delivery to {@code domain} (lower case): the domain itself, port 25, by MX. */
    public static Destination mx(String domain) {
        return new Destination(domain, List.of(new NextHop(domain, 25, false)), false, DNSLOOKUP);
    }

    /** Whether this is MX delivery to the recipient domain (not a configured route or smarthost). */
    public boolean byMx() {
        return DNSLOOKUP.equals(router);
    }
}
