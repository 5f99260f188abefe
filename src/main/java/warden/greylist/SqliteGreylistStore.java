package warden.greylist;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A greylist store in one SQLite file under the data directory, for a single MX host.
 *
 * <p>One connection, guarded by a lock, serves every session of this process: SQLite serialises
 * writers anyway, and one connection with cached statements is faster than a pool that queues on
 * the database lock. Updates are written in {@code BEGIN IMMEDIATE} transactions (those queued
 * behind the writer together: a group commit), which take
 * the write lock before reading, so another process on the same file (the {@code greylist} admin
 * command while the server runs) cannot slip a write between our read and our write. The file is in
 * WAL mode, so readers never block the writer, and {@code busy_timeout} makes the two processes
 * wait for each other instead of failing. {@code synchronous=NORMAL} may lose the last
 * transactions on a power cut but never corrupts the file; for greylisting that costs at most one
 * more deferral.
 *
 * <p>A background thread purges expired entries every {@code purgeInterval}, using the injected
 * clock. The lock is a {@link ReentrantLock}, not {@code synchronized}, so a virtual thread
 * waiting for it does not pin its carrier on Java 21.
 *
 * <h2>Standards</h2>
 * SQLite write-ahead logging (https://sqlite.org/wal.html) and {@code BEGIN IMMEDIATE}.
 *
 * <p>It does not share state between hosts; use {@link RedisGreylistStore} for that.
 */
public final class SqliteGreylistStore implements GreylistStore {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteGreylistStore.class);

    /** The file name under the data directory. */
    public static final String FILE_NAME = "greylist.sqlite";
    /** How long a writer waits for another process's lock before the store reports a failure. */
    public static final Duration BUSY_TIMEOUT = Duration.ofSeconds(5);

    private final Path file;
    private final Clock clock;
    private final Connection connection;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService purger;
    private final PreparedStatement select;
    private final PreparedStatement upsert;
    private final PreparedStatement remove;
    private final PreparedStatement bump;

    /**
     * Opens (creating if needed) the store in {@code file}.
     *
     * @param purgeInterval how often expired entries are removed; zero for never (tests, the admin tool)
     */
    public SqliteGreylistStore(Path file, Clock clock, Duration purgeInterval) {
        this.file = file;
        this.clock = clock;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            SQLiteConfig config = new SQLiteConfig();
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
            config.setBusyTimeout((int) BUSY_TIMEOUT.toMillis());
            this.connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), config.toProperties());
            try (Statement s = connection.createStatement()) {
                s.executeUpdate("""
                        CREATE TABLE IF NOT EXISTS greylist (
                          key TEXT PRIMARY KEY, state TEXT NOT NULL, first_seen INTEGER NOT NULL,
                          last_seen INTEGER NOT NULL, expires INTEGER NOT NULL, requests INTEGER NOT NULL,
                          delayed INTEGER NOT NULL) WITHOUT ROWID""");
                s.executeUpdate("CREATE INDEX IF NOT EXISTS greylist_expires ON greylist(expires)");
                s.executeUpdate("CREATE TABLE IF NOT EXISTS greylist_counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID");
            }
            select = connection.prepareStatement("SELECT state, first_seen, last_seen, expires, requests, delayed FROM greylist WHERE key = ?");
            upsert = connection.prepareStatement("INSERT OR REPLACE INTO greylist (key, state, first_seen, last_seen, expires, requests, delayed) VALUES (?, ?, ?, ?, ?, ?, ?)");
            remove = connection.prepareStatement("DELETE FROM greylist WHERE key = ?");
            bump = connection.prepareStatement("INSERT INTO greylist_counter (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1");
        } catch (SQLException | IOException e) {
            throw new GreylistStoreException("cannot open greylist store " + file + ": " + e.getMessage(), e);
        }
        if (purgeInterval.isZero()) {
            purger = null;
        } else {
            purger = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "greylist-purge");
                t.setDaemon(true);
                return t;
            });
            long every = purgeInterval.toMillis();
            purger.scheduleWithFixedDelay(this::purgeQuietly, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Opens {@value #FILE_NAME} under {@code dataDir}, purging hourly. */
    public static SqliteGreylistStore open(Path dataDir, Clock clock) {
        return new SqliteGreylistStore(dataDir.resolve(FILE_NAME), clock, Duration.ofHours(1));
    }

    public Path file() { return file; }

    @Override
    public Change update(String key, UnaryOperator<Optional<GreylistEntry>> change,
                         Function<Change, Collection<GreylistCounter>> counted) {
        Queued mine = new Queued(key, change, counted);
        queued.add(mine);
        return locked("update", () -> {
            // Group commit: whoever holds the lock writes every update queued behind it in one
            // transaction, so sixteen sessions deciding at once cost one commit, not sixteen; an
            // update whose turn comes finds itself written already.
            while (!mine.done) writeQueued();
            if (mine.failure != null) throw mine.failure;
            return mine.result;
        });
    }

    /** Updates waiting for the writer now (tests). */
    int queuedUpdates() {
        return queued.size();
    }

    /** The most updates one transaction writes. */
    static final int BATCH = 256;

    /** An update waiting for the writer, and what came of it once written. */
    private static final class Queued {
        final String key;
        final UnaryOperator<Optional<GreylistEntry>> change;
        final Function<Change, Collection<GreylistCounter>> counted;
        Change result;
        RuntimeException failure;
        boolean done;

        Queued(String key, UnaryOperator<Optional<GreylistEntry>> change, Function<Change, Collection<GreylistCounter>> counted) {
            this.key = key;
            this.change = change;
            this.counted = counted;
        }
    }

    private final java.util.concurrent.ConcurrentLinkedQueue<Queued> queued = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /**
     * Writes the queued updates, oldest first, at most {@link #BATCH}, in one {@code BEGIN
     * IMMEDIATE} transaction; each sees the ones before it (the same connection). If the
     * transaction fails, each is written again in a transaction of its own, so that one update's
     * failure is its own. Called with the lock held; every update taken is done when it returns.
     */
    private void writeQueued() throws SQLException {
        List<Queued> batch = new ArrayList<>();
        for (Queued next; batch.size() < BATCH && (next = queued.poll()) != null; ) batch.add(next);
        try {
            if (batch.isEmpty()) return;
            try (Statement s = connection.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                try {
                    List<Change> changes = new ArrayList<>(batch.size());
                    for (Queued u : batch) changes.add(apply(u));
                    s.execute("COMMIT");
                    for (int i = 0; i < batch.size(); i++) batch.get(i).result = changes.get(i);
                    return;
                } catch (SQLException | RuntimeException e) {
                    rollback(s);
                    if (batch.size() == 1) throw e;
                }
                for (Queued u : batch) {
                    try {
                        s.execute("BEGIN IMMEDIATE");
                        try {
                            Change c = apply(u);
                            s.execute("COMMIT");
                            u.result = c;
                        } catch (SQLException | RuntimeException e) {
                            rollback(s);
                            throw e;
                        }
                    } catch (SQLException e) {
                        u.failure = new GreylistStoreException("greylist store " + file + ": update failed: " + e.getMessage(), e);
                    } catch (RuntimeException e) {
                        u.failure = e;
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            RuntimeException failure = e instanceof RuntimeException r ? r
                    : new GreylistStoreException("greylist store " + file + ": update failed: " + e.getMessage(), e);
            for (Queued u : batch) if (u.result == null && u.failure == null) u.failure = failure;
        } finally {
            for (Queued u : batch) {
                if (u.result == null && u.failure == null) u.failure = new GreylistStoreException("greylist store " + file + ": update not written");
                u.done = true;
            }
        }
    }

    /** One update inside the open transaction: read, change, write, count. */
    private Change apply(Queued u) throws SQLException {
        Optional<GreylistEntry> before = read(u.key);
        Optional<GreylistEntry> after = u.change.apply(before);
        if (!after.equals(before)) {
            if (after.isPresent()) write(u.key, after.get());
            else {
                remove.setString(1, u.key);
                remove.executeUpdate();
            }
        }
        Change committed = new Change(before, after);
        bump(u.counted.apply(committed));
        return committed;
    }

    @Override
    public Optional<GreylistEntry> find(String key) {
        return locked("find", () -> read(key));
    }

    @Override
    public SortedMap<String, GreylistEntry> entries() {
        return locked("list", () -> {
            SortedMap<String, GreylistEntry> all = new TreeMap<>();
            try (Statement s = connection.createStatement();
                 ResultSet r = s.executeQuery("SELECT key, state, first_seen, last_seen, expires, requests, delayed FROM greylist")) {
                while (r.next()) all.put(r.getString(1), entry(r, 2));
            }
            return all;
        });
    }

    @Override
    public int purge(Instant now) {
        return locked("purge", () -> {
            try (PreparedStatement p = connection.prepareStatement("DELETE FROM greylist WHERE expires <= ?")) {
                p.setLong(1, now.toEpochMilli());
                return p.executeUpdate();
            }
        });
    }

    @Override
    public void count(Collection<GreylistCounter> counters) {
        if (counters.isEmpty()) return;
        locked("count", () -> {
            try (Statement s = connection.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
                try {
                    bump(counters);
                    s.execute("COMMIT");
                } catch (SQLException | RuntimeException e) {
                    rollback(s);
                    throw e;
                }
            }
            return null;
        });
    }

    @Override
    public Map<GreylistCounter, Long> counters() {
        return locked("stats", () -> {
            Map<GreylistCounter, Long> all = new EnumMap<>(GreylistCounter.class);
            for (GreylistCounter c : GreylistCounter.values()) all.put(c, 0L);
            try (Statement s = connection.createStatement();
                 ResultSet r = s.executeQuery("SELECT name, value FROM greylist_counter")) {
                while (r.next()) {
                    for (GreylistCounter c : GreylistCounter.values()) {
                        if (c.label().equals(r.getString(1))) all.put(c, r.getLong(2));
                    }
                }
            }
            return all;
        });
    }

    @Override
    public void close() {
        if (purger != null) purger.shutdownNow();
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.warn("closing greylist store {}: {}", file, e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    private void purgeQuietly() {
        try {
            int gone = purge(clock.instant());
            if (gone > 0) LOG.info("greylist: purged {} expired entries from {}", gone, file);
        } catch (GreylistStoreException e) {
            LOG.warn("greylist purge of {} failed: {}", file, e.getMessage());
        }
    }

    private void bump(Collection<GreylistCounter> counters) throws SQLException {
        for (GreylistCounter c : counters) {
            bump.setString(1, c.label());
            bump.executeUpdate();
        }
    }

    private Optional<GreylistEntry> read(String key) throws SQLException {
        select.setString(1, key);
        try (ResultSet r = select.executeQuery()) {
            return r.next() ? Optional.of(entry(r, 1)) : Optional.empty();
        }
    }

    private void write(String key, GreylistEntry e) throws SQLException {
        upsert.setString(1, key);
        upsert.setString(2, e.state().label());
        upsert.setLong(3, e.firstSeen().toEpochMilli());
        upsert.setLong(4, e.lastSeen().toEpochMilli());
        upsert.setLong(5, e.expires().toEpochMilli());
        upsert.setLong(6, e.requests());
        upsert.setLong(7, e.delayed().toMillis());
        upsert.executeUpdate();
    }

    private static GreylistEntry entry(ResultSet r, int from) throws SQLException {
        return new GreylistEntry(GreylistState.parse(r.getString(from)),
                Instant.ofEpochMilli(r.getLong(from + 1)), Instant.ofEpochMilli(r.getLong(from + 2)),
                Instant.ofEpochMilli(r.getLong(from + 3)), r.getLong(from + 4), Duration.ofMillis(r.getLong(from + 5)));
    }

    private static void rollback(Statement s) {
        try {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // The transaction is gone already (SQLite rolls back on some errors by itself).
        }
    }

    private interface Work<T> { T run() throws SQLException; }

    private <T> T locked(String what, Work<T> work) {
        lock.lock();
        try {
            return work.run();
        } catch (SQLException e) {
            throw new GreylistStoreException("greylist store " + file + ": " + what + " failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
