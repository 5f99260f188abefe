package warden.greylist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
    void fileUnderTheDataDirectoryIsInWalMode() throws Exception {
        greylist().check(CLIENT, "a@example.org", "b@example.net");
        assertThat(dataDir.resolve("greylist.sqlite")).exists();
        assertThat(dataDir.resolve("greylist.sqlite-wal")).exists();
    }
}
