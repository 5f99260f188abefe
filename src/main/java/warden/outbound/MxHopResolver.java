package warden.outbound;

import warden.dns.DnsAnswer;
import warden.dns.HostAddresses;
import warden.dns.MxHost;
import warden.dns.Resolver;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Turns a {@link Destination} into addresses to connect to, through DNS: the SMTP client's side
 * of RFC 5321 section 5.1.
 *
 * <p>For MX delivery (and a route host written without brackets, as Exim's {@code manualroute}
 * with MX lookup and Postfix's {@code transport_maps} do):
 * <ol>
 * <li>the MX records of the name, by preference, in random order among equal preferences;
 * <li>none ({@code NODATA}): the name itself as an implicit MX of preference 0 (its A/AAAA);
 * <li>a null MX (RFC 7505: one record, preference 0, exchange {@code "."}): the domain accepts no
 *     mail, {@code 5.1.10} (the status RFC 7505 section 4.3 gives; {@code 556} is a server's reply
 *     code, and this answer comes from no server);
 * <li>the name does not exist (NXDOMAIN): {@code 5.1.2};
 * <li>an MX that is us (our host name, or a host with one of our addresses): only the MX hosts
 *     with a lower preference value than ours are used; if none is left the mail would loop,
 *     {@code 5.4.6}.
 * </ol>
 * Each host's addresses are tried IPv6 and IPv4 in turn (interleaved, IPv6 first: RFC 8305
 * section 4), and at most {@code maxCandidates} addresses are returned in all (Postfix's
 * {@code smtp_mx_address_limit}), at most {@link #MAX_MX_HOSTS} MX hosts are looked up.
 * A literal next hop ({@code [10.0.0.5]:25}) is used as written; a bracketed name
 * ({@code [mail.provider.example]:587}) is looked up by A/AAAA only.
 *
 * <p>"Could not tell" never becomes a permanent failure: a DNS timeout or SERVFAIL is
 * {@link TempFail} unless other hosts gave addresses to try, and permanent answers about a
 * <em>configured</em> next hop (a route or the smarthost that does not exist or points back at
 * us) defer too: a mistake in our own configuration keeps the mail (Exim's
 * {@code host_find_failed = defer}, which Debian's smarthost router sets) until it is fixed or
 * {@code queue.max_age} passes. Only the recipient domain's own DNS bounces mail.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 5.1 (MX order, random among equals, implicit MX, loop avoidance), section
 * 4.2 and RFC 2308 (a temporary DNS failure is a 4xx condition), RFC 7505 (null MX, 556
 * 5.1.10), RFC 3463 (5.1.2 bad destination system, 5.4.4 unable to route, 5.4.6 routing loop,
 * 4.4.3 directory server failure), RFC 8305 section 4 (address interleaving).
 *
 * <p>Not done: DANE/MTA-STS; remembering unreachable hosts between messages; an MX host
 * whose address lookup failed temporarily is not known to be us or not, and is skipped.
 */
public final class MxHopResolver implements HopResolver {

    /** Postfix's smtp_mx_address_limit is 5; a few more let a v6-less host reach the IPv4 ones. */
    public static final int DEFAULT_MAX_CANDIDATES = 10;
    /** MX hosts whose addresses are looked up, at most: a domain with hundreds is abuse. */
    public static final int MAX_MX_HOSTS = 10;

    private final Resolver dns;
    private final Set<String> ourNames;
    private final Set<InetAddress> ourAddresses;
    private final Random random;
    private final int maxCandidates;

    /**
     * @param dns where to ask
     * @param ourNames our host names (the configured {@code hostname} first), any case
     * @param ourAddresses our own addresses: an MX host with one of them is us
     * @param random orders MX hosts of equal preference (seeded in tests)
     * @param maxCandidates addresses returned at most
     */
    public MxHopResolver(Resolver dns, Set<String> ourNames, Set<InetAddress> ourAddresses, Random random, int maxCandidates) {
        this.dns = dns;
        this.ourNames = Set.copyOf(ourNames.stream().map(MxHopResolver::normal).toList());
        this.ourAddresses = Set.copyOf(ourAddresses);
        this.random = random;
        if (maxCandidates < 1) throw new IllegalArgumentException("maxCandidates must be at least 1");
        this.maxCandidates = maxCandidates;
    }

    public MxHopResolver(Resolver dns, Set<String> ourNames, Set<InetAddress> ourAddresses) {
        this(dns, ourNames, ourAddresses, new Random(), DEFAULT_MAX_CANDIDATES);
    }

    @Override
    public Resolution resolve(Destination destination) {
        List<Candidate> out = new ArrayList<>();
        Resolution firstProblem = null;
        for (NextHop hop : destination.hops()) {
            if (out.size() >= maxCandidates) break;
            Resolution r = hop(hop, destination.byMx());
            switch (r) {
                case Candidates c -> c.candidates().stream().limit(maxCandidates - out.size()).forEach(out::add);
                case TempFail t -> firstProblem = firstProblem instanceof TempFail ? firstProblem : t;
                case Fail f -> firstProblem = firstProblem == null ? f : firstProblem;
            }
        }
        if (!out.isEmpty()) return new Candidates(out);
        return firstProblem;
    }

    /** One next hop; {@code domain} when it is the recipient domain (its permanent answers bounce). */
    private Resolution hop(NextHop hop, boolean domain) {
        Optional<InetAddress> literal = hop.address();
        if (literal.isPresent()) return new Candidates(List.of(new Candidate(hop.host(), literal.get(), hop.port())));
        Resolution r = hop.literal() ? host(hop.host(), hop.port()) : mx(hop.host(), hop.port());
        if (!domain && r instanceof Fail f) {
            return new TempFail("4.4.3", "configured next hop " + hop.text() + ": " + f.text()
                    + " (mail kept; fix routes/smarthost)");
        }
        return r;
    }

    /** A bracketed name: its addresses, no MX. */
    private Resolution host(String name, int port) {
        HostAddresses a = dns.hostAddresses(name);
        List<InetAddress> addresses = interleaved(a);
        if (!addresses.isEmpty()) return new Candidates(candidates(name, addresses, port));
        if (!a.complete()) return tempFail("A/AAAA", name, a.failure());
        return new Fail("5.4.4", "host " + name + " has no A or AAAA record");
    }

    private Resolution mx(String domain, int port) {
        String d = normal(domain);
        DnsAnswer<MxHost> answer = dns.mx(d);
        List<MxHost> hosts;
        switch (answer) {
            case DnsAnswer.TempFail<MxHost> t -> {
                return tempFail("MX", d, t.reason());
            }
            case DnsAnswer.NotFound<MxHost> n when n.nxdomain() -> {
                return new Fail("5.1.2", "domain " + d + " does not exist (DNS: NXDOMAIN)");
            }
            case DnsAnswer.NotFound<MxHost> n -> hosts = List.of(new MxHost(0, d)); // RFC 5321 5.1: implicit MX
            case DnsAnswer.Found<MxHost> f -> {
                List<MxHost> real = f.values().stream().filter(m -> !m.exchange().isEmpty()).toList();
                // RFC 7505 section 3: a null MX is the only record; beside others it is a mistake, and ignored
                if (real.isEmpty()) return new Fail("5.1.10", "domain " + d + " does not accept mail (null MX, RFC 7505)");
                hosts = shuffledAmongEquals(real);
            }
        }
        return exchanges(d, hosts, port);
    }

    /** The MX hosts in order, cut at our own preference, as addresses. */
    private Resolution exchanges(String domain, List<MxHost> hosts, int port) {
        int ours = Integer.MAX_VALUE;
        for (MxHost h : hosts) {
            if (ourNames.contains(normal(h.exchange()))) ours = Math.min(ours, h.preference());
        }
        record Looked(MxHost mx, List<InetAddress> addresses) {}
        List<Looked> looked = new ArrayList<>();
        String tempFailure = null;
        boolean anyNoAddress = false;
        for (MxHost h : hosts) {
            if (looked.size() >= MAX_MX_HOSTS || h.preference() >= ours) break;
            HostAddresses a = dns.hostAddresses(h.exchange());
            List<InetAddress> addresses = interleaved(a);
            if (!a.complete() && tempFailure == null) tempFailure = h.exchange() + ": " + a.failure();
            if (addresses.isEmpty()) anyNoAddress = true;
            if (addresses.stream().anyMatch(ourAddresses::contains)) {
                ours = Math.min(ours, h.preference());
                continue;
            }
            looked.add(new Looked(h, addresses));
        }
        List<Candidate> out = new ArrayList<>();
        for (Looked l : looked) {
            if (l.mx().preference() >= ours) continue;
            for (Candidate c : candidates(l.mx().exchange(), l.addresses(), port)) {
                if (out.size() < maxCandidates) out.add(c);
            }
        }
        if (!out.isEmpty()) return new Candidates(out);
        if (tempFailure != null) return new TempFail("4.4.3", "DNS temporary failure for an MX host of " + domain + ": " + tempFailure);
        if (ours != Integer.MAX_VALUE) {
            return new Fail("5.4.6", "mail for " + domain + " loops back to myself (an MX host with the lowest preference is us)");
        }
        boolean implicit = hosts.size() == 1 && hosts.get(0).exchange().equals(domain) && anyNoAddress;
        return new Fail("5.4.4", implicit ? "domain " + domain + " has no MX, A or AAAA record"
                : "no MX host of " + domain + " has an A or AAAA record");
    }

    private List<MxHost> shuffledAmongEquals(List<MxHost> sorted) {
        List<MxHost> in = new ArrayList<>(sorted);
        in.sort(java.util.Comparator.comparingInt(MxHost::preference));
        List<MxHost> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); ) {
            int j = i;
            while (j < in.size() && in.get(j).preference() == in.get(i).preference()) j++;
            List<MxHost> same = new ArrayList<>(in.subList(i, j));
            Collections.shuffle(same, random);
            out.addAll(same);
            i = j;
        }
        return out;
    }

    /** IPv6 and IPv4 in turn, IPv6 first (RFC 8305 section 4), without duplicates. */
    static List<InetAddress> interleaved(HostAddresses a) {
        List<InetAddress> v6 = a.ipv6().valuesOrEmpty().stream().filter(Inet6Address.class::isInstance).toList();
        List<InetAddress> v4 = a.ipv4().valuesOrEmpty().stream().filter(x -> !(x instanceof Inet6Address)).toList();
        LinkedHashSet<InetAddress> out = new LinkedHashSet<>();
        for (int i = 0; i < Math.max(v6.size(), v4.size()); i++) {
            if (i < v6.size()) out.add(v6.get(i));
            if (i < v4.size()) out.add(v4.get(i));
        }
        return List.copyOf(out);
    }

    private static List<Candidate> candidates(String host, List<InetAddress> addresses, int port) {
        return addresses.stream().map(a -> new Candidate(host, a, port)).toList();
    }

    private static TempFail tempFail(String type, String name, String reason) {
        return new TempFail("4.4.3", "DNS temporary failure looking up " + type + " of " + name + ": " + reason);
    }

    private static String normal(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
