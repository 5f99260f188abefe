package warden.log;

import warden.mail.ClientText;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The administrator's log: one line per event, in a stable format modelled on Exim's mainlog, to a
 * file and to standard output.
 *
 * <pre>
 * 2026-11-24 13:20:28 1a2b3c-000001 &lt;= alice@example.org H=(mail.example.org) [192.0.2.1] P=esmtp S=5433 for bob@example.net
 * 2026-11-24 13:20:28 1a2b3c-000001 => bob &lt;bob@example.net&gt; R=maildir T=var/mail/bob/new/...
 * 2026-11-24 13:20:29 H=(bogus) [192.0.2.9] F=&lt;x@y&gt; rejected RCPT &lt;a@b&gt;: 550 5.1.1 unknown user
 * </pre>
 *
 * <p>Lines are queued and written by one background thread, flushed whenever the queue drains,
 * so a burst of sessions never waits on the log file.
 */
public final class MainLog implements AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String STOP = new String("stop");

    private final Clock clock;
    private final BufferedWriter file;
    private final PrintStream console;
    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Thread writer;

    /**
     * @param file the log file (created with its directory), or null for none
     * @param console where lines are echoed, or null for none
     */
    public MainLog(Path file, PrintStream console, Clock clock) throws IOException {
        this.clock = clock;
        this.console = console;
        if (file != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
            this.file = Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } else {
            this.file = null;
        }
        this.writer = Thread.ofPlatform().daemon().name("mainlog").start(this::drain);
    }

    /** A log that only prints to {@code console} (or nowhere, if null). */
    public static MainLog console(PrintStream console) {
        try {
            return new MainLog(null, console, Clock.systemDefaultZone());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Logs one event line; the timestamp is prefixed. Whatever the caller built, no control or other
     * non-printable character reaches the file: they are escaped ({@link ClientText}, {@code \x1b}).
     */
    public void log(String event) {
        queue.add(LocalDateTime.now(clock).format(TIME) + " " + ClientText.escape(event));
    }

    private void drain() {
        List<String> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch);
                boolean stop = false;
                for (String line : batch) {
                    if (line == STOP) { stop = true; continue; }
                    if (file != null) { file.write(line); file.newLine(); }
                    if (console != null) console.println(line);
                }
                if (file != null) file.flush();
                if (console != null) console.flush();
                batch.clear();
                if (stop) return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            System.err.println("warden: cannot write the main log: " + e.getMessage());
        }
    }

    /** Writes what is queued and closes the file. */
    @Override
    public void close() {
        queue.add(STOP);
        try {
            writer.join(5000);
            if (file != null) file.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // XXX a close failure after the last flush loses nothing we could still report
        }
    }
}
