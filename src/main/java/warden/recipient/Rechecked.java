package warden.recipient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A view of files on disk that is looked at again at most once per {@code recheck} interval (by
 * the injected clock): the one reloading rule of {@link VirtualDomains}, {@link LocalUsers} and
 * {@link warden.outbound.PasswdClient}.
 *
 * <p>A lookup serves the current snapshot. When it is older than {@code recheck}, one caller
 * looks at the disk (the reader gets the old snapshot, so it can keep what did not change) while
 * the others go on with the previous snapshot: a lookup never waits on the disk except the very
 * first. A ReentrantLock, not {@code synchronized}, so a virtual thread reading does not pin its
 * carrier.
 *
 * @param <S> the snapshot: what one look at the disk found, and when
 */
public final class Rechecked<S> {

    private final Clock clock;
    private final Duration recheck;
    private final BiFunction<S, Instant, S> reader;
    private final Function<S, Instant> checkedAt;
    private final ReentrantLock looking = new ReentrantLock();
    private volatile S snapshot;

    /**
     * @param reader reads the disk again, given the previous snapshot (null the first time) and now
     * @param checkedAt when a snapshot was read
     */
    public Rechecked(Clock clock, Duration recheck, BiFunction<S, Instant, S> reader, Function<S, Instant> checkedAt) {
        this.clock = clock;
        this.recheck = recheck;
        this.reader = reader;
        this.checkedAt = checkedAt;
    }

    /** The snapshot to serve a lookup with, read again if it is older than {@code recheck}. */
    public S current() {
        S s = snapshot;
        Instant now = clock.instant();
        if (s != null && fresh(s, now)) return s;
        if (s == null) {
            looking.lock();
        } else if (!looking.tryLock()) {
            return s; // another thread is looking; the previous snapshot is good for one more lookup
        }
        try {
            s = snapshot;
            if (s == null || !fresh(s, now)) {
                s = reader.apply(s, now);
                snapshot = s;
            }
            return s;
        } finally {
            looking.unlock();
        }
    }

    /** A snapshot read now, whatever the interval (for {@code config check} and start-up). */
    public S readNow() {
        looking.lock();
        try {
            S s = reader.apply(snapshot, clock.instant());
            snapshot = s;
            return s;
        } finally {
            looking.unlock();
        }
    }

    private boolean fresh(S s, Instant now) {
        return now.isBefore(checkedAt.apply(s).plus(recheck));
    }
}
