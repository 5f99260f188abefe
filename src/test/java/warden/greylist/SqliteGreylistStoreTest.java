package warden.greylist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The store contract on a real SQLite file, plus what only a file can do: a second process on it. */
class SqliteGreylistStoreTest extends GreylistStoreContract {

    @TempDir
    Path dataDir;

    @Override
    GreylistStore open() {
        return new SqliteGreylistStore(dataDir.resolve(SqliteGreylistStore.FILE_NAME), clock, Duration.ZERO);
    }

    @Test
    @Timeout(60)
    void twoStoresOnOneFileShareStateAndLoseNoUpdate() throws Exception {
        try (GreylistStore other = open()) {
            Greylist server = greylist();
            Greylist second = new Greylist(other, GreylistSettings.defaults(), clock);
            List<GreylistResult> results = inParallel(40, () -> {
                boolean even = Thread.currentThread().threadId() % 2 == 0;
                return (even ? server : second).check(CLIENT, "a@example.org", "b@example.net");
            });
            assertThat(results).allMatch(r -> r instanceof GreylistResult.Grey);
            assertThat(store.find("192.0.2.0/24 a@example.org b@example.net").orElseThrow().requests()).isEqualTo(40);

            // The admin tool on its own connection blacklists while the server keeps answering.
            new GreylistAdmin(other, GreylistSettings.defaults(), clock).add(GreylistState.BLACK, List.of("192.0.2.0/24"));
            assertThat(server.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Black.class);
        }
    }

    @Test
    @Timeout(30)
    void backgroundPurgeRemovesExpiredEntriesOnItsSchedule() throws Exception {
        try (GreylistStore purging = new SqliteGreylistStore(dataDir.resolve("purged.sqlite"), clock, Duration.ofMillis(50))) {
            new Greylist(purging, GreylistSettings.defaults(), clock).check(CLIENT, "a@example.org", "b@example.net");
            clock.advance(Duration.ofHours(9));
            while (!purging.entries().isEmpty()) Thread.sleep(20);
            assertThat(purging.entries()).isEmpty();
        }
    }

    @Test
    @Timeout(60)
    void updatesQueuedBehindTheWriterAreCommittedTogetherAndOneFailingUpdateFailsAlone() throws Exception {
        SqliteGreylistStore sqlite = (SqliteGreylistStore) store;
        GreylistEntry entry = new GreylistEntry(GreylistState.GREY, clock.instant(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)), 1, Duration.ZERO);
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        // The first update holds the writer inside its transaction until three more are queued.
        Thread writer = Thread.ofVirtual().start(() -> sqlite.update("held", current -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Optional.of(entry);
        }));
        holding.await();
        List<Thread> queued = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        for (String key : List.of("first", "broken", "last")) {
            queued.add(Thread.ofVirtual().start(() -> {
                try {
                    sqlite.update(key, current -> {
                        if (key.equals("broken")) throw new IllegalStateException("a broken update");
                        return Optional.of(entry);
                    });
                } catch (Throwable e) {
                    failed.set(e);
                }
            }));
        }
        while (sqlite.queuedUpdates() < 3) Thread.sleep(5);
        release.countDown();
        writer.join();
        for (Thread t : queued) t.join();

        assertThat(failed.get()).isInstanceOf(IllegalStateException.class).hasMessage("a broken update");
        assertThat(store.find("held")).contains(entry);
        assertThat(store.find("first")).contains(entry);
        assertThat(store.find("last")).contains(entry);
        assertThat(store.find("broken")).isEmpty();

        // Many writers at once: no update lost, none applied twice.
        inParallel(64, () -> store.update("shared", current -> Optional.of(current.map(e -> new GreylistEntry(e.state(),
                e.firstSeen(), e.lastSeen(), e.expires(), e.requests() + 1, e.delayed())).orElse(entry))));
        assertThat(store.find("shared").orElseThrow().requests()).isEqualTo(64);
    }

    @Test
    void fileUnderTheDataDirectoryIsInWalMode() throws Exception {
        greylist().check(CLIENT, "a@example.org", "b@example.net");
        assertThat(dataDir.resolve("greylist.sqlite")).exists();
        assertThat(dataDir.resolve("greylist.sqlite-wal")).exists();
    }
}
