package warden.greylist;

import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A greylist store in Redis, shared by every MX host that points at the same database.
 *
 * <p>Each entry is one string key {@code warden:greylist:<key>} whose value holds the entry's
 * fields, times as absolute milliseconds from the greylist's injected clock. {@link #update} is an
 * optimistic compare-and-set: read the value, apply the rules in Java, then write with a small Lua
 * script only if the value is still what was read; on a conflict it reads again. This keeps the
 * greylisting rules in one language while staying atomic across hosts, the same guarantee
 * WATCH/MULTI gives, without tying a pooled connection to a transaction.
 *
 * <p>Expiry is decided from the stored {@code expires}, like every store. The key's TTL is set to
 * the time left until {@code expires} (by the injected clock) plus {@link #TTL_SLACK}, so Redis
 * collects dead entries itself while a test clock that jumps hours ahead still reads them as
 * expired rather than missing; {@link #purge} removes what is logically expired sooner.
 *
 * <p>Connections come from a Jedis pool with short timeouts. When Redis is down every call throws
 * {@link GreylistStoreException} quickly (the greylist then degrades); broken connections are
 * discarded (the whole idle pool at the first failed call), so it works again as soon as Redis
 * is back, with no restart.
 *
 * <h2>Standards</h2>
 * Redis {@code EVALSHA}, {@code SET PX}, {@code SCAN}; the URL form
 * {@code redis://[user:password@]host:port/db}.
 *
 * <p>It does not use Redis Cluster hash tags or Sentinel.
 */
public final class RedisGreylistStore implements GreylistStore {

    /** Prefix of every key this store writes. */
    public static final String PREFIX = "warden:greylist:";
    /** The hash holding the counters. */
    public static final String COUNTERS = "warden:greylist-counters";
    /** How long past its logical expiry Redis keeps an entry. */
    public static final Duration TTL_SLACK = Duration.ofDays(1);
    /** Connect and read timeout: an outage must be noticed long before the SMTP client gives up. */
    public static final Duration TIMEOUT = Duration.ofSeconds(2);

    // KEYS[1] the entry, KEYS[2] the counters; ARGV[1] the value read ('' if none), ARGV[2] the new
    // value ('' to delete), ARGV[3] TTL ms, ARGV[4..] counters to add one to if the write happens.
    private static final String COMPARE_AND_SET = """
            local current = redis.call('GET', KEYS[1])
            if current == false then current = '' end
            if current ~= ARGV[1] then return 0 end
            if ARGV[2] == '' then redis.call('DEL', KEYS[1])
            else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
            for i = 4, #ARGV do redis.call('HINCRBY', KEYS[2], ARGV[i], 1) end
            return 1
            """;
    private static final int MAX_ATTEMPTS = 1000;

    private final URI uri;
    private final Clock clock;
    private final JedisPooled redis;
    private volatile String scriptSha;

    /** Connects lazily to {@code uri} ({@code redis://host:port/db}); nothing is sent yet. */
    public RedisGreylistStore(URI uri, Clock clock) {
        this.uri = uri;
        this.clock = clock;
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(64);
        pool.setMaxIdle(64);
        pool.setMaxWait(TIMEOUT);
        pool.setTestOnBorrow(false);
        int timeout = (int) TIMEOUT.toMillis();
        this.redis = new JedisPooled(pool, uri, timeout, timeout);
    }

    @Override
    public Change update(String key, UnaryOperator<Optional<GreylistEntry>> change,
                         Function<Change, Collection<GreylistCounter>> counted) {
        return call("update", () -> {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                String raw = redis.get(PREFIX + key);
                Optional<GreylistEntry> before = decode(raw);
                Optional<GreylistEntry> after = change.apply(before);
                Change proposed = new Change(before, after);
                if (after.equals(before)) {
                    count(counted.apply(proposed));
                    return proposed;
                }
                String value = after.map(RedisGreylistStore::encode).orElse("");
                long ttl = after.map(e -> Duration.between(clock.instant(), e.expires())).map(d -> d.isNegative() ? Duration.ZERO : d)
                        .orElse(Duration.ZERO).plus(TTL_SLACK).toMillis();
                if (compareAndSet(key, raw == null ? "" : raw, value, ttl, counted.apply(proposed))) return proposed;
            }
            throw new GreylistStoreException("greylist store " + safeUri() + ": " + key + " changed " + MAX_ATTEMPTS + " times under us");
        });
    }

    @Override
    public Optional<GreylistEntry> find(String key) {
        return call("find", () -> decode(redis.get(PREFIX + key)));
    }

    @Override
    public SortedMap<String, GreylistEntry> entries() {
        return call("list", () -> {
            SortedMap<String, GreylistEntry> all = new TreeMap<>();
            ScanParams match = new ScanParams().match(PREFIX + "*").count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = redis.scan(cursor, match);
                List<String> keys = page.getResult();
                if (!keys.isEmpty()) {
                    List<String> values = redis.mget(keys.toArray(String[]::new));
                    for (int i = 0; i < keys.size(); i++) {
                        String k = keys.get(i).substring(PREFIX.length());
                        decode(values.get(i)).ifPresent(e -> all.put(k, e));
                    }
                }
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            return all;
        });
    }

    @Override
    public int purge(Instant now) {
        int gone = 0;
        for (Map.Entry<String, GreylistEntry> e : entries().entrySet()) {
            if (!e.getValue().expiredAt(now)) continue;
            String raw = encode(e.getValue());
            // Compare-and-delete: an entry renewed since we listed it stays.
            if (call("purge", () -> compareAndSet(e.getKey(), raw, "", 0, List.of()))) gone++;
        }
        return gone;
    }

    @Override
    public void count(Collection<GreylistCounter> counters) {
        if (counters.isEmpty()) return;
        call("count", () -> {
            if (counters.size() == 1) {
                redis.hincrBy(COUNTERS, counters.iterator().next().label(), 1);
                return null;
            }
            try (Pipeline p = redis.pipelined()) {
                for (GreylistCounter c : counters) p.hincrBy(COUNTERS, c.label(), 1);
                p.sync();
            }
            return null;
        });
    }

    @Override
    public Map<GreylistCounter, Long> counters() {
        return call("stats", () -> {
            Map<String, String> raw = redis.hgetAll(COUNTERS);
            Map<GreylistCounter, Long> all = new EnumMap<>(GreylistCounter.class);
            for (GreylistCounter c : GreylistCounter.values()) all.put(c, Long.parseLong(raw.getOrDefault(c.label(), "0")));
            return all;
        });
    }

    @Override
    public void close() {
        redis.close();
    }

    private boolean compareAndSet(String key, String expected, String value, long ttlMillis, Collection<GreylistCounter> counters) {
        List<String> keys = List.of(PREFIX + key, COUNTERS);
        List<String> args = new ArrayList<>(List.of(expected, value, Long.toString(Math.max(ttlMillis, 1))));
        for (GreylistCounter c : counters) args.add(c.label());
        String sha = scriptSha;
        Object done;
        try {
            if (sha == null) throw new JedisNoScriptException("not loaded yet");
            done = redis.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            // First use, or Redis restarted and forgot its script cache.
            scriptSha = redis.scriptLoad(COMPARE_AND_SET, keys.getFirst());
            done = redis.evalsha(scriptSha, keys, args);
        }
        return Long.valueOf(1).equals(done);
    }

    // Value: "state first last expires requests delayed", numbers in milliseconds.
    static String encode(GreylistEntry e) {
        return e.state().label() + ' ' + e.firstSeen().toEpochMilli() + ' ' + e.lastSeen().toEpochMilli() + ' '
                + e.expires().toEpochMilli() + ' ' + e.requests() + ' ' + e.delayed().toMillis();
    }

    static Optional<GreylistEntry> decode(String raw) {
        if (raw == null) return Optional.empty();
        String[] f = raw.split(" ");
        if (f.length != 6) throw new GreylistStoreException("greylist entry '" + raw + "' is not in Warden's format");
        try {
            return Optional.of(new GreylistEntry(GreylistState.parse(f[0]), Instant.ofEpochMilli(Long.parseLong(f[1])),
                    Instant.ofEpochMilli(Long.parseLong(f[2])), Instant.ofEpochMilli(Long.parseLong(f[3])),
                    Long.parseLong(f[4]), Duration.ofMillis(Long.parseLong(f[5]))));
        } catch (IllegalArgumentException e) {
            throw new GreylistStoreException("greylist entry '" + raw + "' is not in Warden's format", e);
        }
    }

    private <T> T call(String what, Supplier<T> work) {
        try {
            try {
                return work.get();
            } catch (JedisConnectionException e) {
                // After a Redis restart every idle pooled connection is dead and would fail once
                // each: drop them all and try once more on a fresh connection. XXX if the failure
                // hid a successful write, an update is applied twice: one request counted twice.
                redis.getPool().clear();
                return work.get();
            }
        } catch (JedisException e) {
            throw new GreylistStoreException("greylist store " + safeUri() + ": " + what + " failed: " + e.getMessage(), e);
        }
    }

    /** The URL without any password, for messages. */
    private String safeUri() {
        return uri.getUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
    }
}
