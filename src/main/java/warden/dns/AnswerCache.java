package warden.dns;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.xbill.DNS.Record;

/**
 * A bounded cache of DNS answers, evicting the least recently used question and expiring each answer
 * at its own deadline.
 *
 * <p>Expiry is read from the injected {@link Clock}, so tests move time instead of sleeping. The map
 * is guarded by a {@link ReentrantLock} rather than {@code synchronized}: a virtual thread that waits
 * for the lock then unmounts instead of pinning its carrier. No I/O ever happens under the lock.
 * Expired entries are dropped when they are next looked up, or evicted as least recently used.
 *
 * <p>It does not decide lifetimes: the caller gives each answer its time to live.
 */
final class AnswerCache {

    private record Cached(DnsAnswer<Record> answer, Instant expires) {}

    private final int capacity;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Question, Cached> entries;

    /** A cache of at most {@code capacity} answers ({@code 0} caches nothing). */
    AnswerCache(int capacity, Clock clock) {
        if (capacity < 0) throw new IllegalArgumentException("cache capacity must be >= 0: " + capacity);
        this.capacity = capacity;
        this.clock = clock;
        // Access order makes iteration order least recently used first.
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Question, Cached> eldest) {
                return size() > AnswerCache.this.capacity;
            }
        };
    }

    /** The answer to {@code question} if one is cached and has not expired. */
    Optional<DnsAnswer<Record>> get(Question question) {
        Instant now = clock.instant();
        lock.lock();
        try {
            Cached entry = entries.get(question);
            if (entry == null) return Optional.empty();
            if (!now.isBefore(entry.expires())) {
                entries.remove(question);
                return Optional.empty();
            }
            return Optional.of(entry.answer());
        } finally {
            lock.unlock();
        }
    }

    /** Keeps {@code answer} for {@code ttl}; a zero or negative ttl keeps nothing. */
    void put(Question question, DnsAnswer<Record> answer, Duration ttl) {
        if (capacity == 0 || ttl.isZero() || ttl.isNegative()) return;
        Cached entry = new Cached(answer, clock.instant().plus(ttl));
        lock.lock();
        try {
            entries.put(question, entry);
        } finally {
            lock.unlock();
        }
    }

    /** How many answers are held, expired ones included until they are next looked up. */
    int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }
}
