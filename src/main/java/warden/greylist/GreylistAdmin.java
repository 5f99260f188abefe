package warden.greylist;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The operator's operations on a greylist store, equivalent to greylistd's {@code greylist}
 * tool: list, add, delete, check, stats and purge.
 *
 * <p>A subject is either a triplet, given as the three words {@code CLIENT SENDER RECIPIENT}
 * ({@code <>} for the null sender; the client an address, grouped like live traffic, or an
 * explicit network such as {@code 192.0.2.0/24}), or a client network alone, one word. A white or
 * black network entry applies to every triplet from that network, like greylistd's
 * {@code singlecheck}. Unlike greylistd, keys are stored in clear text, so entries survive a
 * restart and can always be listed.
 *
 * <p>It works on the same store as a running server: SQLite's WAL mode and busy timeout, or
 * Redis's atomic scripts, keep the two from corrupting each other.
 *
 * <h2>Standards</h2>
 * greylistd(8) and greylist(1) from greylistd 0.9.
 *
 * <p>It owns the store it is given and closes it in {@link #close()}.
 */
public final class GreylistAdmin implements AutoCloseable {

    /**
     * One live entry as listed.
     *
     * @param key the triplet or network key
     * @param entry the stored entry
     * @param age time since it was first seen
     * @param idle time since a request last matched it
     */
    public record Listing(String key, GreylistEntry entry, Duration age, Duration idle) {}

    /**
     * The store's statistics.
     *
     * @param entries live entries per state
     * @param counters lifetime counters
     */
    public record Stats(Map<GreylistState, Long> entries, Map<GreylistCounter, Long> counters) {
        public Stats {
            entries = Map.copyOf(entries);
            counters = Map.copyOf(counters);
        }
    }

    private final GreylistStore store;
    private final GreylistSettings settings;
    private final Clock clock;
    private final Greylist greylist;

    public GreylistAdmin(GreylistStore store, GreylistSettings settings, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.greylist = new Greylist(store, settings, clock);
    }

    /** Live (unexpired) entries on the given lists, sorted by key; every list if {@code states} is empty. */
    public List<Listing> list(Set<GreylistState> states) {
        Instant now = now();
        List<Listing> listed = new ArrayList<>();
        store.entries().forEach((key, e) -> {
            if (e.expiredAt(now) || !(states.isEmpty() || states.contains(e.state()))) return;
            listed.add(new Listing(key, e, Duration.between(e.firstSeen(), now), Duration.between(e.lastSeen(), now)));
        });
        return listed;
    }

    /**
     * Puts a subject on a list, replacing any entry it had. A grey entry gets the retry window,
     * white and black ones the whitelist lifetime. Returns the key written.
     */
    public String add(GreylistState state, List<String> subject) {
        String key = key(subject);
        Instant now = now();
        Duration life = state == GreylistState.GREY ? settings.timeout() : settings.lifetime();
        store.put(key, new GreylistEntry(state, now, now, now.plus(life), 0, Duration.ZERO));
        return key;
    }

    /**
     * Stores an entry carried over from another greylist (greylistd, postgrey) with its own
     * times, under a key made by {@link #key} or {@link Triplet#key()}. A live entry already under
     * the key is kept unless {@code replace}; an expired one is always overwritten. Returns
     * whether the entry was written.
     */
    public boolean restore(String key, GreylistEntry entry, boolean replace) {
        Instant now = now();
        GreylistStore.Change change = store.update(key,
                current -> replace || current.filter(e -> !e.expiredAt(now)).isEmpty() ? Optional.of(entry) : current);
        return change.after().equals(Optional.of(entry)) && !change.before().equals(change.after());
    }

    /** The rules entries are keyed and aged by (network grouping, delay, window, lifetime). */
    public GreylistSettings settings() {
        return settings;
    }

    /** Removes a subject's entry; returns whether there was one. */
    public boolean delete(List<String> subject) {
        return store.delete(key(subject));
    }

    /** What a delivery attempt of this triplet would get now, recording nothing. */
    public GreylistResult check(List<String> triplet) {
        if (triplet.size() != 3) throw new IllegalArgumentException(usage());
        Triplet t = Triplet.parse(triplet.get(0), triplet.get(1), triplet.get(2), settings.networkIpv4(), settings.networkIpv6());
        return greylist.peek(t, triplet.getFirst());
    }

    /** Counts of live entries per list and the lifetime counters. */
    public Stats stats() {
        Instant now = now();
        Map<GreylistState, Long> entries = new EnumMap<>(GreylistState.class);
        for (GreylistState s : GreylistState.values()) entries.put(s, 0L);
        store.entries().values().stream().filter(e -> !e.expiredAt(now)).forEach(e -> entries.merge(e.state(), 1L, Long::sum));
        return new Stats(entries, store.counters());
    }

    /** Removes expired entries now; returns how many. */
    public int purge() {
        return store.purge(now());
    }

    /** The store key of a one-word (network) or three-word (triplet) subject. */
    public String key(List<String> subject) {
        return switch (subject.size()) {
            case 1 -> NetworkKey.parse(subject.getFirst(), settings.networkIpv4(), settings.networkIpv6()).text();
            case 3 -> Triplet.parse(subject.get(0), subject.get(1), subject.get(2), settings.networkIpv4(), settings.networkIpv6()).key();
            default -> throw new IllegalArgumentException(usage());
        };
    }

    @Override
    public void close() {
        store.close();
    }

    private static String usage() {
        return "give a triplet as CLIENT SENDER RECIPIENT (SENDER <> for bounces), or a client address or network alone";
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
