package warden.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.outbound.Destination;
import warden.recipient.RecipientVerdict;
import warden.recipient.Route;
import warden.testing.TestClock;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 100 000 queued messages, all deferred: the manager's start-up scan schedules every one from
 * envelopes and journals alone (the bodies, 8 KiB each and 800 MB together as sparse files, are
 * never read), and {@code queue stats} walks them all; both in seconds.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QueueScaleTest {

    static final int MESSAGES = 100_000;
    static final Instant T = Instant.parse("2026-11-24T12:00:00Z");

    @TempDir
    Path tmp;

    /**
     * Where the 200 000 files go: a directory on {@code /dev/shm} (tmpfs, real files) when there
     * is one, as making them on a busy disk takes minutes; else the temporary directory.
     */
    private Path directory() throws IOException {
        Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "warden-scale-") : tmp;
    }

    @Test
    void aHundredThousandDeferredMessagesAreScheduledFromTheirEnvelopesAndJournals() throws Exception {
        Path dir = directory();
        try {
            run(dir);
        } finally {
            if (!dir.equals(tmp)) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private void run(Path dir) throws Exception {
        Spool spool = new Spool(dir.resolve("spool"), new TestClock(T));
        Path queue = Files.createDirectories(spool.queue());
        Path journals = Files.createDirectories(spool.journals());
        String journal = new JournalEvent.Deferred(T, 0, T.plus(Duration.ofHours(1)), Optional.of("mx.example.net"),
                "451 4.7.1 try later").line() + "\n";
        for (int i = 0; i < MESSAGES; i++) {
            String id = "m" + i;
            byte[] env = ("warden-spool 2\nid " + id + "\narrival " + T + "\nsender <alice@example.org>\n"
                    + "recipient <r" + i + "@example.net>\nsize 8192\n\n").getBytes(StandardCharsets.US_ASCII);
            try (var raf = new java.io.RandomAccessFile(queue.resolve(id).toFile(), "rw")) {
                raf.write(env);
                raf.setLength(env.length + 8192L); // the body: a hole nobody must read
            }
            Files.writeString(journals.resolve(id), journal);
        }
        ScriptedTransport transport = new ScriptedTransport();
        List<String> log = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        try (QueueManager manager = new QueueManager(spool, transport, Destination::mx,
                a -> new RecipientVerdict.Accepted(List.of(new Route.Remote(a))), (m, a, b) -> {
                    throw new IOException("no local mailboxes here");
                }, QueueManager.NO_REPORTS, QueueSettings.DEFAULTS, Optional::empty, log::add, new TestClock(T),
                Duration.ofMillis(50)).start()) {
            QueueManagerTest.await(manager::scanned, Duration.ofSeconds(60));
            Duration scan = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(manager.scheduled()).isEqualTo(MESSAGES);
            assertThat(log).contains("queue: " + MESSAGES + " messages in " + queue + " (0 frozen)");
            assertThat(scan).isLessThan(Duration.ofSeconds(60)); // about 2 s on an idle 2-core machine

            long t1 = System.nanoTime();
            QueueAdmin.Stats stats = new QueueAdmin(spool, l -> { }).stats();
            Duration list = Duration.ofNanos(System.nanoTime() - t1);
            assertThat(stats.messages()).isEqualTo(MESSAGES);
            assertThat(stats.deferred()).isEqualTo(MESSAGES);
            assertThat(stats.bytes()).isEqualTo(MESSAGES * 8192L);
            assertThat(list).isLessThan(Duration.ofSeconds(60));
            System.out.println("QueueScaleTest: scan of " + MESSAGES + " messages " + scan.toMillis() + " ms, stats "
                    + list.toMillis() + " ms");
            assertThat(transport.calls).isEmpty(); // nothing due for an hour
        }
    }
}
