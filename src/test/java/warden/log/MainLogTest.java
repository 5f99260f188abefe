package warden.log;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The main log's bounds and its writer's survival, through an injectable sink. */
class MainLogTest {

    private static final Pattern LOST = Pattern.compile("main log: (\\d+) lines? lost \\((.*)\\)");

    /** A log file stand-in that can be made to fail, or to block, and records what it was given. */
    static final class TestSink implements MainLog.Sink {
        final StringBuilder written = new StringBuilder();
        volatile Throwable failWith;
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger writes = new AtomicInteger();
        volatile CountDownLatch hold; // when set, the next write waits for it

        @Override
        public void write(byte[] lines) throws IOException {
            writes.incrementAndGet();
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            Throwable f = failWith;
            if (f != null) {
                failures.incrementAndGet();
                if (f instanceof IOException io) throw io;
                if (f instanceof Error e) throw e;
                throw (RuntimeException) f;
            }
            synchronized (written) {
                written.append(new String(lines, StandardCharsets.UTF_8));
            }
        }

        String text() {
            synchronized (written) {
                return written.toString();
            }
        }

        @Override
        public void close() {}
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("gave up waiting for " + what);
            Thread.sleep(5);
        }
    }

    private static long lostCount(String text) {
        Matcher m = LOST.matcher(text);
        assertThat(m.find()).as("a 'lines lost' line in:\n" + text).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void theQueueIsBoundedAndWhatDoesNotFitIsCountedNotWaitedFor() throws Exception {
        TestSink sink = new TestSink();
        sink.hold = new CountDownLatch(1);
        java.io.ByteArrayOutputStream echoed = new java.io.ByteArrayOutputStream();
        MainLog log = new MainLog(sink, new java.io.PrintStream(echoed, true, StandardCharsets.UTF_8), Clock.systemUTC(), 100,
                Duration.ofMillis(10));
        log.log("first");
        await(() -> sink.writes.get() == 1, "the writer to take the first line");
        for (int i = 0; i < 150; i++) log.log("line " + i); // never blocks: the writer is stuck
        assertThat(log.queued()).isEqualTo(100);
        assertThat(log.dropped()).isEqualTo(50);
        sink.hold.countDown();
        log.close();
        String text = sink.text();
        assertThat(text).contains("first").contains("line 0\n").contains("line 99\n").doesNotContain("line 100\n");
        assertThat(lostCount(text)).isEqualTo(50);
        assertThat(text).contains("(too many lines at once)");
        assertThat(text.indexOf("lines lost")).isLessThan(text.indexOf("line 0\n")); // said before what follows the loss
        assertThat(lostCount(echoed.toString(StandardCharsets.UTF_8))).isEqualTo(50); // the console missed them too
    }

    @Test
    void aFullDiskDoesNotStopTheWriterWhichResumesAndSaysHowManyLinesWereLost() throws Exception {
        TestSink sink = new TestSink();
        sink.failWith = new IOException("No space left on device");
        MainLog log = new MainLog(sink, null, Clock.systemUTC(), 100, Duration.ofMillis(10));
        log.log("a");
        await(() -> sink.failures.get() >= 1, "a failed write");
        log.log("b");
        log.log("c");
        int failed = sink.failures.get();
        await(() -> sink.failures.get() > failed, "the writer to try again"); // still trying, not dead
        sink.failWith = null; // space is back
        log.log("d");
        await(() -> sink.text().contains("d\n"), "the writer to resume");
        log.close();
        String text = sink.text();
        List<String> lines = text.lines().toList();
        long written = lines.stream().filter(l -> l.endsWith(" a") || l.endsWith(" b") || l.endsWith(" c")).count();
        assertThat(lostCount(text) + written).isEqualTo(3);
        assertThat(text).contains("(cannot write the log file: No space left on device)");
        assertThat(lines.getLast()).endsWith(" d");
        assertThat(lines).hasSize((int) written + 2); // what was written, the loss, and d
    }

    @Test
    void whileTheFileFailsTheConsoleGetsEveryLineOnceAndNoLossItDidNotHave() throws Exception {
        TestSink sink = new TestSink();
        sink.failWith = new IOException("No space left on device");
        java.io.ByteArrayOutputStream echoed = new java.io.ByteArrayOutputStream();
        MainLog log = new MainLog(sink, new java.io.PrintStream(echoed, true, StandardCharsets.UTF_8), Clock.systemUTC(), 100,
                Duration.ofMillis(10));
        log.log("a");
        await(() -> sink.failures.get() >= 1, "a failed write");
        log.log("b");
        int failed = sink.failures.get();
        await(() -> sink.failures.get() > failed + 3, "the writer to retry a few times");
        sink.failWith = null;
        log.log("c");
        await(() -> sink.text().contains(" c\n"), "the writer to resume");
        log.close();
        // the file says what it lost; the console lost nothing, and is not told a growing count at every retry
        assertThat(lostCount(sink.text())).isEqualTo(2);
        List<String> console = echoed.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(console).hasSize(3);
        assertThat(console.get(0)).endsWith(" a");
        assertThat(console.get(1)).endsWith(" b");
        assertThat(console.get(2)).endsWith(" c");
    }

    @Test
    void anErrorInTheWriterDoesNotStopIt() throws Exception {
        TestSink sink = new TestSink();
        sink.failWith = new OutOfMemoryError("injected");
        MainLog log = new MainLog(sink, null, Clock.systemUTC(), 100, Duration.ofMillis(10));
        log.log("x");
        await(() -> sink.failures.get() >= 1, "the failing write");
        sink.failWith = null;
        log.log("y");
        await(() -> sink.text().contains("y\n"), "the writer to go on");
        log.close();
        assertThat(lostCount(sink.text())).isEqualTo(1);
        assertThat(sink.text()).contains("internal error: java.lang.OutOfMemoryError: injected").doesNotContain(" x\n");
    }

    @Test
    void linesReachTheFileInOrder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("log/mainlog");
        MainLog log = new MainLog(file, null, Clock.systemUTC());
        for (int i = 0; i < 1000; i++) log.log("event " + i + "\nwith a newline");
        log.close();
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(1000);
        assertThat(lines.get(0)).endsWith(" event 0\\x0awith a newline"); // escaped: one event, one line
        assertThat(lines.get(999)).endsWith(" event 999\\x0awith a newline");
    }
}
