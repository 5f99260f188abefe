package warden.testing;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Waits for lines of the asynchronous main log instead of sleeping: {@link #until} polls the
 * text until every fragment is in it or the deadline passes (then it fails, showing the log).
 *
 * <p>For an absence ({@code doesNotContain}) a wait proves nothing by itself; take the log through
 * {@link TestSmtp#log()}, which first logs a marker line and waits for it: the writer keeps the
 * order of lines, so everything logged before the marker is then in the text.
 */
public final class LogWait {

    /** Long enough for a loaded machine; a passing test never waits for it. */
    public static final Duration DEADLINE = Duration.ofSeconds(15);

    private LogWait() {}

    /** Returns the text once it contains every fragment; fails with the text after {@link #DEADLINE}. */
    public static String until(Supplier<String> text, String... fragments) {
        return poll(text, t -> containsAll(t, fragments) ? Optional.of(t) : Optional.empty(),
                String.join(" and ", fragments));
    }

    /** Returns the first line that contains every fragment, once there is one; fails with the text after {@link #DEADLINE}. */
    public static String line(Supplier<String> text, String... fragments) {
        return poll(text, t -> t.lines().filter(l -> containsAll(l, fragments)).findFirst(),
                "a line with " + String.join(" and ", fragments));
    }

    private static String poll(Supplier<String> text, Function<String, Optional<String>> found, String what) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            String t = text.get();
            Optional<String> f = found.apply(t);
            if (f.isPresent()) return f.get();
            if (System.nanoTime() > end) {
                throw new AssertionError("the log did not get " + what + " within " + DEADLINE.toSeconds() + "s; it has:\n" + t);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for the log", e);
            }
        }
    }

    private static boolean containsAll(String t, String... fragments) {
        for (String f : fragments) if (!t.contains(f)) return false;
        return true;
    }
}
