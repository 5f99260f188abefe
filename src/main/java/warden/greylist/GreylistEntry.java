package warden.greylist;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a store remembers about one key (a triplet or a client network): its list, when it was
 * first and last seen, when it expires, how many requests matched it, and how long the client
 * was delayed before it was whitelisted.
 *
 * <p>Times are absolute instants from the greylist's injected clock, truncated to milliseconds so
 * that an entry reads back equal to what was written. Expiry is decided from {@link #expires()},
 * never from a store's own timer: a Redis key TTL is only a safety net for garbage collection.
 *
 * @param state the list the entry is on
 * @param firstSeen when the key was first seen (for a white triplet: its first grey sighting)
 * @param lastSeen when a request last matched the key
 * @param expires the instant from which the entry no longer counts
 * @param requests how many requests matched the key (for a client network: passed triplets)
 * @param delayed how long the client was deferred before the triplet turned white, zero if never
 */
public record GreylistEntry(GreylistState state, Instant firstSeen, Instant lastSeen, Instant expires,
                            long requests, Duration delayed) {

    public GreylistEntry {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(firstSeen, "firstSeen");
        Objects.requireNonNull(lastSeen, "lastSeen");
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(delayed, "delayed");
    }

    /** Whether the entry no longer counts at {@code now}. */
    public boolean expiredAt(Instant now) {
        return !now.isBefore(expires);
    }
}
