package warden.greylist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class GreylistStoresTest {

    @TempDir
    Path dataDir;

    @Test
    void sqliteIsTheDefaultAndLivesUnderTheDataDirectory() {
        try (GreylistStore store = GreylistStores.open(null, dataDir, Clock.systemUTC())) {
            assertThat(store).isInstanceOf(SqliteGreylistStore.class);
            assertThat(((SqliteGreylistStore) store).file()).isEqualTo(dataDir.resolve("greylist.sqlite"));
        }
        try (GreylistStore store = GreylistStores.open("sqlite", dataDir, Clock.systemUTC())) {
            assertThat(store).isInstanceOf(SqliteGreylistStore.class);
        }
    }

    @Test
    void aRedisUrlOpensARedisStoreWithoutConnectingYet() {
        try (GreylistStore store = GreylistStores.open("redis://127.0.0.1:1/3", dataDir, Clock.systemUTC())) {
            assertThat(store).isInstanceOf(RedisGreylistStore.class);
        }
    }

    @Test
    void anythingElseIsRefusedWithTheFix() {
        assertThatIllegalArgumentException().isThrownBy(() -> GreylistStores.open("mysql://db", dataDir, Clock.systemUTC()))
                .withMessageContaining("greylist.store").withMessageContaining("sqlite").withMessageContaining("redis://127.0.0.1:6379/0");
        assertThatIllegalArgumentException().isThrownBy(() -> GreylistStores.open("redis://", dataDir, Clock.systemUTC()))
                .withMessageContaining("redis://127.0.0.1:6379/0");
    }
}
