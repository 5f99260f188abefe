package warden.log;

import warden.mail.ClientText;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The administrator's log: one line per event, in a stable format modelled on Exim's mainlog, to a
 * file and to standard output.
 *
 * <pre>
 * 2026-11-24 13:20:28 1a2b3c-000001 &lt;= alice@example.org H=(mail.example.org) [192.0.2.1] P=esmtp S=5433 for bob@example.net
 * 2026-11-24 13:20:28 1a2b3c-000001 => bob &lt;bob@example.net&gt; R=maildir T=var/mail/bob/new/...
 * 2026-11-24 13:20:29 H=(bogus) [192.0.2.9] F=&lt;x@y&gt; rejected RCPT &lt;a@b&gt;: 550 5.1.1 unknown user
 * 2026-11-24 13:21:02 main log: 1234 lines lost (cannot write the log file: No space left on device)
 * </pre>
 *
 * <p>Lines are queued and written by one background thread, flushed whenever the queue drains,
 * so a burst of sessions never waits on the log file. The queue is bounded ({@link #CAPACITY}
 * lines): when it is full a line is dropped and counted, never waited for. A write that fails
 * (a full disk) drops that batch, counted, and the writer retries every second; the first line
 * it writes afterwards says how many lines were lost and why. Nothing, an Error included, stops
 * the writer before {@link #close()}.
 */
public final class MainLog implements AutoCloseable {

    /** Lines queued at most; about 3 MB of typical lines, or seconds of the busiest traffic. */
    public static final int CAPACITY = 16_384;
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String STOP = new String("stop");

    /** Where the lines go: the log file, or a test's stand-in. */
    interface Sink {
        /** Writes whole lines, all or (after a failure) none of them. */
        void write(byte[] lines) throws IOException;

        void close() throws IOException;
    }

    private final Clock clock;
    private final Sink file;
    private final PrintStream console;
    private final ArrayBlockingQueue<String> queue;
    private final Duration retry;
    private final AtomicLong dropped = new AtomicLong(); // refused by a full queue
    private long lost; // lines the writer could not write to the file; the writer's own
    private String lostBecause;
    private long unechoed; // of those, lines the console never saw either (a full queue, an internal error)
    private String unechoedBecause;
    private volatile boolean closing;
    private final Thread writer;

    /**
     * @param file the log file (created with its directory), or null for none
     * @param console where lines are echoed, or null for none
     */
    public MainLog(Path file, PrintStream console, Clock clock) throws IOException {
        this(file == null ? null : FileSink.open(file), console, clock, CAPACITY, RETRY);
    }

    MainLog(Sink file, PrintStream console, Clock clock, int capacity, Duration retry) {
        this.clock = clock;
        this.console = console;
        this.file = file;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.retry = retry;
        this.writer = Thread.ofPlatform().daemon().name("mainlog").start(this::drain);
    }

    /** A log that only prints to {@code console} (or nowhere, if null). */
    public static MainLog console(PrintStream console) {
        try {
            return new MainLog((Path) null, console, Clock.systemDefaultZone());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Logs one event line; the timestamp is prefixed. Whatever the caller built, no control or other
     * non-printable character reaches the file: they are escaped ({@link ClientText}, {@code \x1b}).
     * Never blocks: a line that does not fit in the queue is counted, and the count logged.
     */
    public void log(String event) {
        if (!queue.offer(stamp(ClientText.escape(event)))) dropped.incrementAndGet();
    }

    private String stamp(String event) {
        return LocalDateTime.now(clock).format(TIME) + " " + event;
    }

    /** Lines waiting for the writer (a test hook). */
    int queued() {
        return queue.size();
    }

    /** Lines dropped because the queue was full and not yet reported (a test hook). */
    long dropped() {
        return dropped.get();
    }

    private void drain() {
        List<String> batch = new ArrayList<>();
        while (true) {
            try {
                String first = queue.poll(lost > 0 ? retry.toNanos() : Long.MAX_VALUE, TimeUnit.NANOSECONDS);
                if (first != null) batch.add(first);
                queue.drainTo(batch);
                boolean stop = batch.remove(STOP) || closing && queue.isEmpty();
                write(batch);
                batch.clear();
                if (stop) return;
            } catch (InterruptedException e) {
                if (closing) return;
            } catch (Throwable e) { // out of memory or a bug: this batch is lost, the writer goes on
                lost += batch.size();
                lostBecause = "internal error: " + e;
                unechoed += batch.size();
                unechoedBecause = lostBecause;
                batch.clear();
            }
        }
    }

    /** Writes one batch, after the line reporting what was lost before it, if anything was. */
    private void write(List<String> batch) {
        long refused = dropped.getAndSet(0);
        if (refused > 0) {
            lost += refused;
            if (lostBecause == null) lostBecause = "too many lines at once";
            unechoed += refused;
            if (unechoedBecause == null) unechoedBecause = "too many lines at once";
        }
        if (batch.isEmpty() && lost == 0) return;
        // The console saw every line the file missed, except those it missed too: it is told only of
        // those, once (a failing file retried every second used to echo a growing "lines lost" each time).
        if (console != null) {
            if (unechoed > 0) console.println(lostLine(unechoed, unechoedBecause));
            for (String line : batch) console.println(line);
            console.flush();
        }
        unechoed = 0;
        unechoedBecause = null;
        if (lost > 0) batch.addFirst(lostLine(lost, lostBecause));
        if (file == null) {
            lost = 0;
            lostBecause = null;
            return;
        }
        StringBuilder text = new StringBuilder(batch.size() * 128);
        for (String line : batch) text.append(line).append('\n');
        try {
            file.write(text.toString().getBytes(StandardCharsets.UTF_8));
            if (lost > 0) System.err.println("warden: the main log is written again (" + lost + " lines lost)");
            lost = 0;
            lostBecause = null;
        } catch (IOException | RuntimeException e) {
            if (lost == 0) {
                System.err.println("warden: cannot write the main log: " + e.getMessage()
                        + "; counting lost lines and retrying every " + retry.toMillis() + " ms");
            }
            lost += batch.size() - (lost > 0 ? 1 : 0); // not the "lines lost" line itself
            lostBecause = "cannot write the log file: " + e.getMessage();
        }
    }

    private String lostLine(long count, String because) {
        return stamp(ClientText.escape("main log: " + count + (count == 1 ? " line" : " lines") + " lost (" + because + ")"));
    }

    /** Writes what is queued and closes the file. */
    @Override
    public void close() {
        closing = true;
        queue.offer(STOP); // if the queue is full, the writer sees closing when it has drained it
        try {
            writer.join(5000);
            if (file != null) file.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // XXX a close failure after the last flush loses nothing we could still report
        }
    }

    /**
     * The log file, appended to. A write that fails part-way is cut back off, so a full disk
     * leaves no half line for the next line to be glued to.
     */
    static final class FileSink implements Sink {
        private final FileChannel channel;

        private FileSink(FileChannel channel) {
            this.channel = channel;
        }

        static FileSink open(Path file) throws IOException {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return new FileSink(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND));
        }

        @Override
        public void write(byte[] lines) throws IOException {
            long before = channel.size();
            try {
                ByteBuffer b = ByteBuffer.wrap(lines);
                while (b.hasRemaining()) channel.write(b);
            } catch (IOException e) {
                try {
                    if (channel.size() > before) channel.truncate(before);
                } catch (IOException ignored) {
                    // cannot cut it: the half line stays
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
