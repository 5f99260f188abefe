package warden.greylist;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Where greylist entries live: a map from key to {@link GreylistEntry} with one atomic
 * read-modify-write per key, plus persistent counters.
 *
 * <p>The store knows nothing about greylisting rules. {@link Greylist} passes a pure function
 * from the current entry to the next one to {@link #update}; the store guarantees that the
 * function's input is the committed value and that its output replaces it atomically, so that
 * fifty concurrent sessions on one triplet neither lose a request nor promote it twice. Because
 * an optimistic store (Redis) may call the function again after a conflict, it must have no side
 * effects.
 *
 * <p>Every method may throw {@link GreylistStoreException} when the backing store is unreachable;
 * nothing else escapes. Stores are safe for use from many (virtual) threads.
 *
 * <p>A store does not decide expiry: entries carry their own {@link GreylistEntry#expires()},
 * the rules ignore expired ones, and {@link #purge} removes them.
 *
 * @see SqliteGreylistStore
 * @see RedisGreylistStore
 * @see GreylistStores
 */
public interface GreylistStore extends AutoCloseable {

    /** An atomic update's committed input and output. Equal means nothing was written. */
    record Change(Optional<GreylistEntry> before, Optional<GreylistEntry> after) {}

    /**
     * Atomically replaces the entry under {@code key} by {@code change.apply(current)}; an empty
     * result deletes it, an equal result writes nothing. The counters {@code counted} names for
     * the committed change are added in the same atomic step, so statistics never disagree with
     * the entries after a crash. Both functions must be pure: they may run more than once.
     */
    Change update(String key, UnaryOperator<Optional<GreylistEntry>> change,
                  Function<Change, Collection<GreylistCounter>> counted);

    /** {@link #update(String, UnaryOperator, Function)} counting nothing. */
    default Change update(String key, UnaryOperator<Optional<GreylistEntry>> change) {
        return update(key, change, committed -> List.of());
    }

    /** The entry under {@code key} as stored, expired or not. */
    Optional<GreylistEntry> find(String key);

    /** Every entry, expired or not, sorted by key. */
    SortedMap<String, GreylistEntry> entries();

    /** Removes every entry expired at {@code now}; returns how many went. */
    int purge(Instant now);

    /** Adds one to each counter given (a counter given twice counts twice). */
    void count(Collection<GreylistCounter> counters);

    /** Every counter, zero for those never counted. */
    Map<GreylistCounter, Long> counters();

    /** Stores {@code entry} under {@code key}, replacing whatever was there. */
    default void put(String key, GreylistEntry entry) {
        update(key, current -> Optional.of(entry));
    }

    /** Removes the entry under {@code key}; returns whether there was one. */
    default boolean delete(String key) {
        return update(key, current -> Optional.empty()).before().isPresent();
    }

    /** Releases connections and stops background work. Does not throw. */
    @Override
    void close();
}
