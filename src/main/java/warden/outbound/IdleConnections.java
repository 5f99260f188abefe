package warden.outbound;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Connections kept open after a message, per destination, for the next message to the same
 * destination: a few seconds at most, a bounded number per destination and in all, the oldest
 * closed first. A connection taken back is checked with RSET; one that fails it is closed and
 * the next is tried.
 *
 * <p>Keyed by {@link Destination#key()}: a connection made for a destination (its TLS, its AUTH)
 * serves only that destination.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.5 (RSET between transactions on one connection); Postfix's connection
 * cache ({@code smtp_connection_cache_time_limit} 2 s, {@code smtp_connection_reuse_time_limit}
 * 300 s) is the model.
 */
final class IdleConnections implements AutoCloseable {

    /** How long QUIT waits for the 221 when a connection is let go. */
    private static final Duration QUIT_PATIENCE = Duration.ofSeconds(2);

    private record Idle(SmtpClient client, long since) {}

    private final long idleNanos;
    private final Duration maxAge;
    private final int perDestination;
    private final int total;
    private final Map<String, Deque<Idle>> idle = new HashMap<>();
    private final Thread reaper;
    private int count;
    private boolean closed;

    /**
     * @param idleTime how long a connection waits for its next message
     * @param maxAge no connection older than this is kept (it has carried enough)
     * @param perDestination idle connections kept per destination
     * @param total idle connections kept in all
     */
    IdleConnections(Duration idleTime, Duration maxAge, int perDestination, int total) {
        this.idleNanos = idleTime.toNanos();
        this.maxAge = maxAge;
        this.perDestination = perDestination;
        this.total = total;
        long tick = Math.clamp(idleTime.toMillis() / 2, 20, 1000);
        this.reaper = idleNanos <= 0 ? null : Thread.ofVirtual().name("smtp-idle-reaper").start(() -> reap(tick));
    }

    /** An open connection to {@code key} that has just answered RSET, or null. */
    SmtpClient take(String key) {
        while (true) {
            Idle i;
            synchronized (this) {
                Deque<Idle> q = idle.get(key);
                i = q == null ? null : q.pollFirst();
                if (i == null) return null;
                count--;
                if (q.isEmpty()) idle.remove(key);
            }
            if (fresh(i) && !i.client().broken() && i.client().reset()) return i.client();
            goodbye(i.client());
        }
    }

    /** Keeps {@code client} for the next message to {@code key}, or says goodbye to it when there is no room. */
    void put(String key, SmtpClient client) {
        if (client.broken() || idleNanos <= 0 || client.age().compareTo(maxAge) > 0) {
            goodbye(client);
            return;
        }
        SmtpClient evicted = null;
        synchronized (this) {
            Deque<Idle> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            if (closed || perDestination < 1) {
                evicted = client;
            } else if (q.size() >= perDestination) {
                evicted = q.pollLast().client(); // the one idle longest makes room
                count--;
            } else if (count >= total) {
                evicted = client;
            }
            if (evicted != client) {
                q.addFirst(new Idle(client, System.nanoTime()));
                count++;
            }
            if (q.isEmpty()) idle.remove(key);
        }
        if (evicted != null) goodbye(evicted);
    }

    /**
     * QUIT on a virtual thread of its own: the delivery that let the connection go returns its
     * outcomes (to be journaled) without waiting for the peer's 221.
     */
    private static void goodbye(SmtpClient client) {
        if (client.broken()) {
            client.close();
            return;
        }
        Thread.ofVirtual().name("smtp-quit").start(() -> client.quit(QUIT_PATIENCE));
    }

    private boolean fresh(Idle i) {
        return System.nanoTime() - i.since() < idleNanos;
    }

    private void reap(long tickMillis) {
        while (true) {
            try {
                Thread.sleep(tickMillis);
            } catch (InterruptedException e) {
                return;
            }
            List<SmtpClient> expired = new ArrayList<>();
            synchronized (this) {
                if (closed) return;
                for (Iterator<Deque<Idle>> qs = idle.values().iterator(); qs.hasNext(); ) {
                    Deque<Idle> q = qs.next();
                    q.removeIf(i -> {
                        if (fresh(i)) return false;
                        expired.add(i.client());
                        return true;
                    });
                    if (q.isEmpty()) qs.remove();
                }
                count -= expired.size();
            }
            expired.forEach(IdleConnections::goodbye);
        }
    }

    /** How many connections wait now. */
    synchronized int size() {
        return count;
    }

    /** QUIT to every idle connection; none is kept after this. */
    @Override
    public void close() {
        List<SmtpClient> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(q -> q.forEach(i -> all.add(i.client())));
            idle.clear();
            count = 0;
        }
        if (reaper != null) reaper.interrupt();
        all.forEach(c -> c.quit(QUIT_PATIENCE));
    }
}
