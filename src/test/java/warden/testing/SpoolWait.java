package warden.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Waits for a server's outbound queue to empty: no message file in {@code spool/queue} and no
 * journal in {@code spool/journal} (a message that leaves the queue loses its file first, then
 * its journal, just after its {@code Completed} line).
 */
public final class SpoolWait {

    private SpoolWait() {}

    /** Returns once both directories under {@code dataDir} are empty (or absent); fails after {@code within}. */
    public static void awaitEmptyQueue(Path dataDir, Duration within) throws IOException, InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        for (String d : List.of("queue", "journal")) {
            Path dir = dataDir.resolve("spool").resolve(d);
            while (true) {
                List<Path> left;
                try (Stream<Path> s = Files.list(dir)) {
                    left = s.toList();
                } catch (NoSuchFileException gone) {
                    break;
                }
                if (left.isEmpty()) break;
                if (System.nanoTime() > end) throw new AssertionError(dir + " still holds " + left + " after " + within);
                Thread.sleep(20);
            }
        }
    }
}
