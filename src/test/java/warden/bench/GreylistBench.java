package warden.bench;

import warden.greylist.Greylist;
import warden.greylist.GreylistResult;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistStore;
import warden.greylist.RedisGreylistStore;
import warden.greylist.SqliteGreylistStore;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Greylist decisions per second on each store: N distinct triplets decided by C concurrent
 * callers in three rounds (first sight: grey; retry after the delay: promotion; a later
 * delivery: white pass). Not a test; run by {@code bench/greylist.sh}.
 *
 * <p>Arguments: {@code sqlite DIR | redis URL}, then optionally the triplet count (100000) and
 * the caller count (16).
 */
public final class GreylistBench {

    /** A clock the bench moves between rounds, so each round sees the state it is meant to. */
    static final class SteppedClock extends Clock {
        final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-24T12:00:00Z"));
        @Override public Instant instant() { return now.get(); }
        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: GreylistBench sqlite DIR | redis URL [TRIPLETS] [CALLERS]");
            System.exit(64);
        }
        int triplets = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        int callers = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        SteppedClock clock = new SteppedClock();
        GreylistStore store = switch (args[0]) {
            case "sqlite" -> {
                Path file = Path.of(args[1], "greylist-bench.sqlite");
                Files.deleteIfExists(file);
                yield new SqliteGreylistStore(file, clock, Duration.ZERO);
            }
            case "redis" -> new RedisGreylistStore(URI.create(args[1]), clock);
            default -> throw new IllegalArgumentException("store must be sqlite or redis, not " + args[0]);
        };
        try (store) {
            Greylist greylist = new Greylist(store, GreylistSettings.defaults(), clock);
            round("warm-up", greylist, 5_000, callers, 1_000_000, GreylistResult.Grey.class, args[0]);
            round("first sight (grey)", greylist, triplets, callers, 0, GreylistResult.Grey.class, args[0]);
            clock.now.updateAndGet(i -> i.plus(Duration.ofMinutes(2)));
            round("retry (promotion)", greylist, triplets, callers, 0, GreylistResult.Pass.class, args[0]);
            clock.now.updateAndGet(i -> i.plus(Duration.ofHours(1)));
            round("later mail (white)", greylist, triplets, callers, 0, GreylistResult.Pass.class, args[0]);
        }
    }

    private static void round(String name, Greylist greylist, int triplets, int callers, int offset,
                              Class<? extends GreylistResult> expected, String store) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(callers)) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                running.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < triplets; i = next.getAndIncrement()) {
                        int n = i + offset;
                        GreylistResult r = greylist.check(client(n), "sender" + n + "@example.org", "rcpt" + (n % 997) + "@example.net");
                        if (!expected.isInstance(r)) wrong.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%-6s %-20s %7d decisions %2d callers %7.2f s %9.0f decisions/s%s%n", store, name, triplets, callers,
                seconds, triplets / seconds, wrong.get() == 0 ? "" : "  (" + wrong.get() + " unexpected results!)");
    }

    /** Spreads triplets over many /24 networks, as real traffic does. */
    private static InetAddress client(int n) {
        try {
            return InetAddress.getByAddress(new byte[]{10, (byte) (n >> 16), (byte) (n >> 8), (byte) n});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
