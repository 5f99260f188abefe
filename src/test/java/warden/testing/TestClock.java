package warden.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that stands still until a test moves it.
 *
 * <p>Code under test takes a {@code Clock} in its constructor; a test passes a {@code TestClock} and
 * calls {@link #advance(Duration)} to make TTLs, greylist delays or retry schedules expire without
 * sleeping. Safe to read and move from several threads.
 *
 * <p>It does not tick by itself and ignores {@link #withZone(ZoneId)} for its instant: every copy
 * made by {@code withZone} shares the same current instant.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    private TestClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** A clock at {@code start}, in UTC. */
    public TestClock(Instant start) {
        this(new AtomicReference<>(start), ZoneOffset.UTC);
    }

    /** A clock at 2025-01-01T00:00:00Z. */
    public TestClock() {
        this(Instant.parse("2025-01-01T00:00:00Z"));
    }

    /** Moves the clock forward (or back, for a negative amount). */
    public TestClock advance(Duration amount) {
        now.updateAndGet(t -> t.plus(amount));
        return this;
    }

    /** Sets the clock to {@code instant}. */
    public TestClock set(Instant instant) {
        now.set(instant);
        return this;
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId newZone) {
        return new TestClock(now, newZone);
    }
}
