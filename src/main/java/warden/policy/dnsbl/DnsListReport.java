package warden.policy.dnsbl;

import java.util.List;
import java.util.Optional;

/**
 * What the DNS lists say about one client: the whitelist that exempts it, if any; the
 * blacklists that list it, in configured order; the score they add up to; and what went wrong
 * (temporary failures, refusal codes), which counts for nothing.
 *
 * @param whitelisted the first whitelist listing the client; then no blacklist is asked
 * @param listings the blacklists listing the client, in {@code dnsbl.lists} order; lookups stop at the threshold
 * @param score the sum of the listings' weights
 * @param threshold the score at which the client is refused ({@code dnsbl.threshold})
 * @param asked how many blacklists were configured
 * @param problems lookups that told nothing, one line each (zone: why)
 */
public record DnsListReport(Optional<Listing> whitelisted, List<Listing> listings, int score, int threshold,
                            int asked, List<String> problems) {

    public DnsListReport {
        listings = List.copyOf(listings);
        problems = List.copyOf(problems);
    }

    /** Why the DNSBL checks do not apply to the client {@code ip}, if they do not: no list, or a whitelist listing. */
    public Optional<String> exemption(String ip) {
        if (asked == 0) return Optional.of("no DNS blacklist is configured");
        return whitelisted.map(w -> ip + " is whitelisted by " + w);
    }

    /** Whether the score reached the threshold. */
    public boolean reached() { return whitelisted.isEmpty() && score >= threshold; }

    /** Whether some blacklist lists the client but not enough to reach the threshold. */
    public boolean warned() { return whitelisted.isEmpty() && score > 0 && score < threshold; }

    /** The zones that list the client, joined: {@code b.barracudacentral.org and zen.spamhaus.org}. */
    public String zones() {
        List<String> z = listings.stream().map(Listing::zone).toList();
        if (z.size() < 2) return String.join("", z);
        return String.join(", ", z.subList(0, z.size() - 1)) + " and " + z.getLast();
    }
}
