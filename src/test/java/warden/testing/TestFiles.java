package warden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Files a program under test writes: its logs (read whole, as they are so far) and the messages
 * it delivers into a Maildir ({@code new/}, one file a message).
 */
public final class TestFiles {

    private TestFiles() {}

    /** The file's text so far, or "" before it exists; Latin-1, so no byte of peer text is lost or fails to decode. */
    public static String readOrEmpty(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The messages in {@code maildir/new} so far, sorted by name (delivery order for Maildir names). */
    public static List<Path> newMessages(Path maildir) throws IOException {
        Path newDir = maildir.resolve("new");
        if (!Files.isDirectory(newDir)) return List.of();
        try (Stream<Path> s = Files.list(newDir)) {
            return s.sorted().toList();
        }
    }

    /** Waits until {@code maildir/new} holds {@code count} messages; fails after {@code within}, showing {@code context} (a log). */
    public static List<Path> awaitNewMessages(Path maildir, int count, Duration within, Supplier<String> context)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            List<Path> got = newMessages(maildir);
            if (got.size() >= count) return got;
            if (System.nanoTime() > end) {
                throw new AssertionError(maildir + " has " + got.size() + " of " + count + " messages after "
                        + within.toSeconds() + "s; " + context.get());
            }
            Thread.sleep(20);
        }
    }
}
