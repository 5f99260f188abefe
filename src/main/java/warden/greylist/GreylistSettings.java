package warden.greylist;

import java.time.Duration;
import java.util.Objects;

/**
 * The greylisting rules, as configured under {@code greylist:}.
 *
 * <p>Defaults follow greylistd (8 h retry window, 60 d whitelist lifetime) with the one-minute
 * delay of the seed configuration: well-behaved MTAs retry within minutes, and most of
 * greylisting's effect comes from the first deferral, not from its length.
 *
 * <h2>Standards</h2>
 * RFC 6647 section 4.2 (delay and lifetime trade-offs).
 *
 * @param delay how long a new triplet is deferred; a retry before it has elapsed stays grey
 * @param timeout the retry window from the first sighting; a grey entry not retried within it expires
 * @param lifetime how long a white entry lives unless used; every pass extends it by this much
 * @param networkIpv4 the IPv4 prefix length client addresses are grouped by (0..32)
 * @param networkIpv6 the IPv6 prefix length client addresses are grouped by (0..128)
 * @param autoWhitelist after this many triplets from one client network have passed, the whole
 *                      network is whitelisted for every triplet; 0 turns it off
 * @param onStoreFailure what to do when the store cannot answer: accept (and log) or defer
 */
public record GreylistSettings(Duration delay, Duration timeout, Duration lifetime, int networkIpv4,
                               int networkIpv6, int autoWhitelist, OnStoreFailure onStoreFailure) {

    /** What a store outage turns into. Never a rejection. */
    public enum OnStoreFailure { ACCEPT, DEFER }

    public GreylistSettings {
        Objects.requireNonNull(onStoreFailure, "onStoreFailure");
        if (delay.isNegative()) throw new IllegalArgumentException("greylist delay must not be negative");
        if (timeout.compareTo(delay) <= 0) {
            throw new IllegalArgumentException("greylist timeout (" + timeout + ") must be longer than the delay (" + delay + ")");
        }
        if (lifetime.isNegative() || lifetime.isZero()) throw new IllegalArgumentException("greylist lifetime must be positive");
        if (networkIpv4 < 0 || networkIpv4 > 32) throw new IllegalArgumentException("greylist network_ipv4 must be 0..32, not " + networkIpv4);
        if (networkIpv6 < 0 || networkIpv6 > 128) throw new IllegalArgumentException("greylist network_ipv6 must be 0..128, not " + networkIpv6);
        if (autoWhitelist < 0) throw new IllegalArgumentException("greylist auto_whitelist must be 0 (off) or more");
    }

    /** 60 s delay, 8 h window, 60 d lifetime, /24 and /64, auto-whitelist off, accept on failure. */
    public static GreylistSettings defaults() {
        return new GreylistSettings(Duration.ofSeconds(60), Duration.ofHours(8), Duration.ofDays(60),
                24, 64, 0, OnStoreFailure.ACCEPT);
    }

    public GreylistSettings withDelay(Duration d) {
        return new GreylistSettings(d, timeout, lifetime, networkIpv4, networkIpv6, autoWhitelist, onStoreFailure);
    }

    public GreylistSettings withAutoWhitelist(int n) {
        return new GreylistSettings(delay, timeout, lifetime, networkIpv4, networkIpv6, n, onStoreFailure);
    }

    public GreylistSettings withOnStoreFailure(OnStoreFailure f) {
        return new GreylistSettings(delay, timeout, lifetime, networkIpv4, networkIpv6, autoWhitelist, f);
    }
}
