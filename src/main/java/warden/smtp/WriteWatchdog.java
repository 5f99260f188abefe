package warden.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * The write deadline: ends a session whose client has stopped reading our replies.
 *
 * <p>A socket write on a virtual thread blocks while the client's receive window is closed, and
 * Java sockets have no write timeout. Rather than a timer per write or a thread per session, one
 * virtual thread looks at every open session's output each tick and {@linkplain
 * SmtpOutput#abandon() abandons} a write that has been blocked longer than the limit, which
 * closes the socket under it (the write then fails and the session ends). The limit is
 * {@code limits.command_timeout}: RFC 5321 4.5.3.2 gives the server five minutes for a client's
 * next command, and a client that will not take our reply is no more patient than one that
 * sends nothing. A deadline is enforced within one tick (a quarter of the limit, at most 1 s).
 */
final class WriteWatchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WriteWatchdog.class);

    private final long limitNanos;
    private final Duration tick;
    private final Iterable<SmtpOutput> outputs;
    private final Thread thread;
    private volatile boolean stopped;

    /**
     * Starts watching.
     *
     * @param limit how long one write may block
     * @param outputs the outputs of the sessions open now (read afresh on every tick)
     */
    WriteWatchdog(Duration limit, Iterable<SmtpOutput> outputs) {
        this.limitNanos = limit.toNanos();
        long t = Math.clamp(limit.toMillis() / 4, 10, 1000);
        this.tick = Duration.ofMillis(t);
        this.outputs = outputs;
        this.thread = Thread.ofVirtual().name("write-watchdog").start(this::watch);
    }

    private void watch() {
        while (!stopped) {
            try {
                Thread.sleep(tick);
            } catch (InterruptedException e) {
                return;
            }
            try {
                check();
            } catch (Throwable e) { // never stop watching: a session set changing under us, or worse
                LOG.warn("write watchdog: {}", e.toString());
            }
        }
    }

    /** Abandons every write blocked longer than the limit. */
    void check() {
        for (SmtpOutput o : outputs) {
            if (!o.abandoned() && o.writingFor() > limitNanos) o.abandon();
        }
    }

    @Override
    public void close() {
        stopped = true;
        thread.interrupt();
    }
}
