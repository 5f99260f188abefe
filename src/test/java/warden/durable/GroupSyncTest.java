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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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

    /**
     * A leader whose fsync fails with an Error (here an OutOfMemoryError) still releases the callers
     * of its batch, with the error, and the next caller starts afresh. Before the fix the Error
     * skipped the release: syncing stayed true and every later caller waited forever.
     */
    @Test
    void aLeaderFailingWithAnErrorReleasesItsBatchWithTheError() throws Exception {
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        GroupSync sync = new GroupSync(dir, true, d -> {
            switch (calls.incrementAndGet()) {
                case 1 -> { // batch 1: held until batch 2 has gathered behind it
                    firstEntered.countDown();
                    try {
                        releaseFirst.await();
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
                case 2 -> throw new OutOfMemoryError("injected"); // batch 2's leader
                default -> { } // later batches succeed
            }
        });
        // Not try-with-resources: closing the pool would wait for wedged callers and hang the test.
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Future<?> first = pool.submit(() -> { sync.sync(); return null; });
            assertThat(firstEntered.await(30, TimeUnit.SECONDS)).isTrue();
            List<Future<?>> batch = new ArrayList<>();
            for (int i = 0; i < 5; i++) batch.add(pool.submit(() -> { sync.sync(); return null; }));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sync.waiting() < 5 && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(sync.waiting()).isEqualTo(5);
            releaseFirst.countDown();
            first.get(30, TimeUnit.SECONDS);
            int leaders = 0;
            int released = 0;
            for (Future<?> f : batch) {
                Throwable cause = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> f.get(30, TimeUnit.SECONDS)).getCause();
                if (cause instanceof OutOfMemoryError) {
                    leaders++;
                } else {
                    assertThat(cause).isInstanceOf(IOException.class).hasCauseInstanceOf(OutOfMemoryError.class);
                    released++;
                }
            }
            assertThat(leaders).isEqualTo(1);
            assertThat(released).isEqualTo(4);
        } finally {
            pool.shutdownNow();
        }
        sync.sync(); // not wedged: the next caller leads a batch of its own
        assertThat(calls.get()).isEqualTo(3);
    }
}
