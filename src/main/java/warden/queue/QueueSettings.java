package warden.queue;

import java.time.Duration;
import java.util.Optional;

/**
 * How the queue retries (keys {@code queue.*}); defaults after Postfix.
 *
 * @param retryMin first retry after this ({@code queue.retry_min}, 5m; Postfix minimal_backoff_time)
 * @param retryMax the backoff doubles up to this ({@code queue.retry_max}, 1h; maximal_backoff_time)
 * @param maxAge give up and bounce after this ({@code queue.max_age}, 5d; maximal_queue_lifetime)
 * @param concurrencyPerDestination connections at once to one destination
 *        ({@code queue.concurrency_per_destination}, 20; default_destination_concurrency_limit)
 * @param delayWarning send a delay report after this ({@code queue.delay_warning}, off when
 *        absent; delay_warning_time)
 */
public record QueueSettings(Duration retryMin, Duration retryMax, Duration maxAge, int concurrencyPerDestination,
                            Optional<Duration> delayWarning) {
    public static final QueueSettings DEFAULTS = new QueueSettings(Duration.ofMinutes(5), Duration.ofHours(1),
            Duration.ofDays(5), 20, Optional.empty());
}
