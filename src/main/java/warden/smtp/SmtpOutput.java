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
 * <p>Guarded by a lock so that a graceful shutdown can say 421 to an idle session from another
 * thread without interleaving with the session's own replies. A ReentrantLock, not
 * {@code synchronized}, so a virtual thread blocked on the socket does not pin its carrier.
 */
public final class SmtpOutput {

    private final OutputStream out;
    private final ReentrantLock lock = new ReentrantLock();
    private byte[] buf = new byte[512]; // grows on demand; most replies are one short line
    private int len;

    public SmtpOutput(OutputStream out) {
        this.out = out;
    }

    /** Queues a reply. */
    public void reply(Reply reply) {
        byte[] b = reply.wire().getBytes(StandardCharsets.UTF_8);
        lock.lock();
        try {
            if (len + b.length > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + b.length));
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        } finally {
            lock.unlock();
        }
    }

    /** Sends what is queued. */
    public void flush() throws IOException {
        lock.lock();
        try {
            if (len > 0) {
                out.write(buf, 0, len);
                len = 0;
            }
            out.flush();
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
}
