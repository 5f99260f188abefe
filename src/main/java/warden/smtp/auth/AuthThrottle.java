package warden.smtp.auth;

import warden.greylist.NetworkKey;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Failed AUTH attempts per client network, shared by every session: each failure within
 * {@code auth.failure_window} of the first makes the next 535 wait longer (1 s, 2 s, 4 s ... at
 * most 16 s), and the {@code auth.max_failures}th gets 421 4.7.0 and the connection closed, as do
 * AUTH commands from that network until the window has passed.
 *
 * <p>A network is an IPv4 address, or an IPv6 /64 (one site's usual allocation: an attacker with
 * a /64 has 2^64 addresses to rotate through), keyed as the greylist keys it
 * ({@link NetworkKey}). The window starts at a network's first failure and is not extended by
 * later ones; a successful AUTH forgets the network's failures (as Dovecot's auth penalty does),
 * so a user who mistyped a password is not locked out by it later.
 *
 * <p>The delay is returned, not served: the session sleeps on its own virtual thread (no OS
 * thread is held; {@code simulate} only reports it), and answers 535 afterwards, so a password
 * guesser waits for every answer while other clients are served.
 *
 * <p>Memory is bounded: at most {@link #MAX_ENTRIES} networks (about 10 MB); when full, expired
 * entries go first, then the oldest. An attack from more networks than that within one window
 * therefore forgets its oldest members: they get the short delays again, no more.
 *
 * <h2>Standards</h2>
 * RFC 4954 section 6 (535 5.7.8), RFC 3463 (421 4.7.0: a security or policy status), RFC 4291
 * 2.5.4 (/64 interface identifiers).
 */
public final class AuthThrottle {

    /** Networks remembered at most. */
    public static final int MAX_ENTRIES = 65_536;
    static final Duration FIRST_DELAY = Duration.ofSeconds(1);
    static final Duration MAX_DELAY = Duration.ofSeconds(16);

    /** What a failure costs the client. */
    public sealed interface Penalty permits Delay, Close {}

    /** Wait {@code delay}, then answer 535. */
    public record Delay(Duration delay) implements Penalty {}

    /** Answer 421 4.7.0 and close: {@code failures} within the window reached {@code auth.max_failures}. */
    public record Close(int failures) implements Penalty {}

    private record Entry(int failures, Instant first) {}

    private final int maxFailures;
    private final Duration window;
    private final Clock clock;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final int maxEntries;
    private final ReentrantLock lock = new ReentrantLock(); // not synchronized: virtual threads wait here
    private final LinkedHashMap<NetworkKey, Entry> entries = new LinkedHashMap<>(); // in order of first failure

    public AuthThrottle(int maxFailures, Duration window, Clock clock) {
        this(maxFailures, window, clock, FIRST_DELAY, MAX_DELAY, MAX_ENTRIES);
    }

    AuthThrottle(int maxFailures, Duration window, Clock clock, Duration firstDelay, Duration maxDelay, int maxEntries) {
        if (maxFailures < 1) throw new IllegalArgumentException("max_failures must be at least 1");
        this.maxFailures = maxFailures;
        this.window = window;
        this.clock = clock;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
        this.maxEntries = maxEntries;
    }

    /** Whether {@code client}'s network has used up its failures: AUTH gets 421 without a password check. */
    public boolean blocked(InetAddress client) {
        lock.lock();
        try {
            Entry e = live(key(client), clock.instant());
            return e != null && e.failures() >= maxFailures;
        } finally {
            lock.unlock();
        }
    }

    /** Counts a failed attempt from {@code client} and says what it costs. */
    public Penalty failed(InetAddress client) {
        NetworkKey key = key(client);
        Instant now = clock.instant();
        lock.lock();
        try {
            Entry e = live(key, now);
            if (e == null) {
                makeRoom(now);
                e = new Entry(1, now);
            } else {
                e = new Entry(e.failures() == Integer.MAX_VALUE ? e.failures() : e.failures() + 1, e.first());
            }
            entries.put(key, e); // an existing key keeps its place: the order stays that of first failures
            if (e.failures() >= maxFailures) return new Close(e.failures());
            return new Delay(delay(e.failures()));
        } finally {
            lock.unlock();
        }
    }

    /** Forgets {@code client}'s network's failures: it has just authenticated. */
    public void succeeded(InetAddress client) {
        lock.lock();
        try {
            entries.remove(key(client));
        } finally {
            lock.unlock();
        }
    }

    /** Networks remembered now (a test hook). */
    int size() {
        lock.lock();
        try {
            return entries.size();
        } finally {
            lock.unlock();
        }
    }

    /** 1 s, 2 s, 4 s ... for the 1st, 2nd, 3rd failure, at most {@code maxDelay}. */
    private Duration delay(int failures) {
        int doublings = Math.min(failures - 1, 30);
        Duration d = firstDelay.multipliedBy(1L << doublings);
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    /** The entry for {@code key} if its window is still open; an expired one is removed. */
    private Entry live(NetworkKey key, Instant now) {
        Entry e = entries.get(key);
        if (e != null && !now.isBefore(e.first().plus(window))) {
            entries.remove(key);
            return null;
        }
        return e;
    }

    /** Drops expired entries (the oldest first, so this stops at the first live one), then the oldest if still full. */
    private void makeRoom(Instant now) {
        if (entries.size() < maxEntries) return;
        Iterator<Map.Entry<NetworkKey, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (now.isBefore(e.first().plus(window))) break;
            it.remove();
        }
        it = entries.entrySet().iterator();
        while (entries.size() >= maxEntries && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private static NetworkKey key(InetAddress client) {
        return NetworkKey.of(client, 32, 64);
    }
}
