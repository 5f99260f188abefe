package warden.door.postfix;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SMTP sessions the door knows, by Postfix {@code instance} and client address, bounded in
 * number and in time whatever clients send: at most {@code capacity} transactions (the least
 * recently asked about goes first) and none unused for longer than {@code idle}. A session pushed
 * out is no loss of safety: a later request for it replays it from its attributes (its sticky
 * punishments are judged again from the same HELO), and the engine's DNS cache answers again.
 *
 * <p>Several keys may name one session: each transaction of one SMTP session has its own
 * {@code instance}.
 */
final class PostfixSessions {

    /**
     * Transactions remembered at most: a busy Postfix runs a few hundred SMTP sessions at once
     * ({@code default_process_limit} 100), each with a transaction or two. With a session's own
     * bounds ({@link PostfixSession}) this keeps the worst a hostile client can make the door
     * hold to a few hundred megabytes.
     */
    static final int CAPACITY = 4096;
    /**
     * How long an unused session is kept: Postfix's {@code smtpd_timeout} (300 s) between
     * commands, plus the longest policy delay, plus room.
     */
    static final Duration IDLE = Duration.ofMinutes(10);

    /** A transaction: its {@code instance} and the client's address as Postfix wrote it. */
    record Key(String instance, String clientAddress) {}

    private final int capacity;
    private final Duration idle;
    private final Clock clock;
    private final LinkedHashMap<Key, PostfixSession> map;

    PostfixSessions(int capacity, Duration idle, Clock clock) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be positive");
        this.capacity = capacity;
        this.idle = idle;
        this.clock = clock;
        this.map = new LinkedHashMap<>(Math.min(capacity, 1024) * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, PostfixSession> eldest) {
                return size() > PostfixSessions.this.capacity;
            }
        };
    }

    /** The session of this transaction, if known and not expired. */
    synchronized PostfixSession get(Key key) {
        PostfixSession s = map.get(key);
        if (s == null) return null;
        Instant now = clock.instant();
        if (now.isAfter(s.lastUsed().plus(idle))) {
            map.remove(key);
            return null;
        }
        s.used(now);
        return s;
    }

    /** Remembers the session of a transaction, and forgets the expired ones. */
    synchronized void put(Key key, PostfixSession session) {
        Instant now = clock.instant();
        session.used(now);
        expire(now);
        map.put(key, session);
    }

    /** Transactions remembered now. */
    synchronized int size() {
        return map.size();
    }

    /** Drops expired entries from the least recently used end: only what is due is looked at. */
    private void expire(Instant now) {
        Iterator<PostfixSession> it = map.values().iterator();
        while (it.hasNext()) {
            PostfixSession s = it.next();
            if (!now.isAfter(s.lastUsed().plus(idle))) break;
            it.remove();
        }
    }
}
