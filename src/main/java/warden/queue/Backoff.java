package warden.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When to try a deferred recipient again (after Postfix's {@code minimal_backoff_time} and
 * {@code maximal_backoff_time}): {@code retry_min} after the first deferral, doubling with each
 * further one up to {@code retry_max}, never later than the end of the message's life
 * ({@code max_age}), where it is tried one last time before it fails.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.5.4.1: the retry interval should be at least 30 minutes, give-up time at
 * least 4-5 days; Postfix's defaults are shorter at first (5 minutes), as the issue asks.
 */
public record Backoff(QueueSettings settings) {

    /**
     * The next attempt after the {@code attempts}-th deferral at {@code now}, or empty when the
     * message has outlived {@code max_age}: the recipient fails instead.
     */
    public Optional<Instant> next(Instant arrival, Instant now, int attempts) {
        Instant end = expiry(arrival);
        if (!now.isBefore(end)) return Optional.empty();
        Duration wait = settings.retryMin();
        for (int i = 1; i < attempts && wait.compareTo(settings.retryMax()) < 0; i++) wait = wait.multipliedBy(2);
        if (wait.compareTo(settings.retryMax()) > 0) wait = settings.retryMax();
        Instant next = now.plus(wait);
        return Optional.of(next.isAfter(end) ? end : next);
    }

    /** When a message that arrived at {@code arrival} gives up. */
    public Instant expiry(Instant arrival) {
        return arrival.plus(settings.maxAge());
    }
}
