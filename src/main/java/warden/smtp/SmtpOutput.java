package warden.smtp;

import warden.mail.Reply;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Our side of the conversation: replies are buffered and sent together when the session is about
 * to wait for input, so a pipelined group of commands gets one write (RFC 2920 section 3.2; the
 * Nagle stall that costs Haraka 40 ms per message comes from replying in many small writes).
 *
 * <p>Bounded: once {@link #PENDING_LIMIT} octets of replies are waiting, {@link #full()} says so
 * and the session flushes before it reads another command, so a client that pipelines without
 * reading is held back by TCP flow control instead of growing our heap: the server stops reading
 * until its replies drain, which RFC 2920 permits (pipelining is a client's optimisation, never a
 * promise of unlimited server buffering).
 * A write the client does not drain is cut off by a {@link WriteWatchdog}, which sees
 * {@link #writingFor()} and calls {@link #abandon()}.
 *
 * <p>Guarded by a lock so that a graceful shutdown can say 421 to an idle session from another
 * thread without interleaving with the session's own replies. A ReentrantLock, not
 * {@code synchronized}, so a virtual thread blocked on the socket does not pin its carrier.
 */
public final class SmtpOutput {

    /** Replies buffered beyond this many octets are sent before the next command is read. */
    static final int PENDING_LIMIT = 16 * 1024;

    private final OutputStream out;
    private final Runnable abort;
    private final ReentrantLock lock = new ReentrantLock();
    private byte[] buf = new byte[512]; // grows on demand, to about PENDING_LIMIT at most
    private int len;
    private volatile int highWater; // read without the lock by tests, while a write blocks
    private static final long ORIGIN = System.nanoTime();
    private volatile long writingSince; // nanoTime() - ORIGIN + 1 when the current write began; 0: none
    private volatile boolean abandoned;

    public SmtpOutput(OutputStream out) {
        this(out, () -> {});
    }

    /**
     * @param out the connection's output
     * @param abort ends the connection under a write that does not return (closes the socket)
     */
    public SmtpOutput(OutputStream out, Runnable abort) {
        this.out = out;
        this.abort = abort;
    }

    /** Queues a reply. */
    public void reply(Reply reply) {
        byte[] b = reply.wire().getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            if (len + b.length > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + b.length));
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
            highWater = Math.max(highWater, len);
        } finally {
            lock.unlock();
        }
    }

    /** Whether enough replies are waiting that they must be sent before more input is read. */
    public boolean full() {
        lock.lock();
        try {
            return len >= PENDING_LIMIT;
        } finally {
            lock.unlock();
        }
    }

    /** Sends what is queued. */
    public void flush() throws IOException {
        lock.lock();
        try {
            writingSince = System.nanoTime() - ORIGIN + 1;
            try {
                if (len > 0) {
                    out.write(buf, 0, len);
                    len = 0;
                }
                out.flush();
            } finally {
                writingSince = 0;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Queues and sends at once. */
    public void send(Reply reply) throws IOException {
        reply(reply);
        flush();
    }

    /** Holds the output lock while {@code action} runs (used to decide and say 421 atomically). */
    public ReentrantLock lock() {
        return lock;
    }

    /** How long the write in progress has been blocked, in nanoseconds; 0 when none is. */
    long writingFor() {
        long since = writingSince;
        return since == 0 ? 0 : Math.max(1, System.nanoTime() - ORIGIN + 1 - since);
    }

    /** Gives up on a write the client does not drain: ends the connection under it. */
    void abandon() {
        abandoned = true;
        abort.run();
    }

    /** Whether {@link #abandon()} ended the connection. */
    boolean abandoned() {
        return abandoned;
    }

    /** The most reply octets ever buffered at once (a test hook for the bound). */
    int highWater() {
        return highWater;
    }
}
