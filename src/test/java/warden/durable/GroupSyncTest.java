package warden.durable;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupSyncTest {

    @TempDir
    Path dir;

    @Test
    void manyConcurrentCallersAllReturn() throws Exception {
        GroupSync sync = new GroupSync(dir);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                calls.add(pool.submit(() -> { sync.sync(); return null; }));
            }
            for (Future<?> f : calls) f.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyCallerOfAFailedFsyncGetsTheError() throws Exception {
        GroupSync sync = new GroupSync(dir.resolve("missing"));
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) calls.add(pool.submit(() -> { sync.sync(); return null; }));
            for (Future<?> f : calls) {
                assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(IOException.class);
            }
        }
        // The failure does not stick: once the directory exists the next sync works.
        Files.createDirectory(dir.resolve("missing"));
        sync.sync();
    }

    @Test
    void aStagedFileIsInvisibleUntilCommittedAndDiscardRemovesIt() throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve("new"));
        GroupSync newSync = new GroupSync(dir.resolve("new"));
        StagedFile f = StagedFile.write(dir.resolve("tmp/a"), dir.resolve("new/a"), newSync,
                ByteBuffer.wrap("head ".getBytes()), ByteBuffer.allocate(0), ByteBuffer.wrap("body".getBytes()));
        assertThat(dir.resolve("new/a")).doesNotExist();
        assertThat(Files.readString(dir.resolve("tmp/a"))).isEqualTo("head body");
        f.commit();
        f.targetSync().sync();
        assertThat(dir.resolve("tmp/a")).doesNotExist();
        assertThat(f.path()).isEqualTo(dir.resolve("new/a"));
        f.discard();
        assertThat(dir.resolve("new/a")).doesNotExist();

        // A temporary name in use is never overwritten nor removed by the writer that lost the race.
        Files.writeString(dir.resolve("tmp/b"), "someone else's");
        assertThatThrownBy(() -> StagedFile.write(dir.resolve("tmp/b"), dir.resolve("new/b"), newSync,
                ByteBuffer.wrap("x".getBytes()))).isInstanceOf(IOException.class);
        assertThat(Files.readString(dir.resolve("tmp/b"))).isEqualTo("someone else's");
    }

    @Test
    void durableDirectoryMakesParentsAndToleratesExisting() throws IOException {
        Path deep = dir.resolve("a/b/c");
        DurableDirectory.create(deep);
        DurableDirectory.create(deep);
        assertThat(deep).isDirectory();
        Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> DurableDirectory.create(dir.resolve("file/sub"))).isInstanceOf(IOException.class);
    }
}
