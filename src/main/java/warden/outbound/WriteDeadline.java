package warden.outbound;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A socket's output with a time limit on each write: Java sockets have none, and a server that
 * stops reading (its receive window closed) would otherwise hold the sending thread for ever. A
 * write that has not finished within the limit closes the socket under it, and fails.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.5.3.2 (the data block timeout: 3 minutes for each send of message content).
 */
final class WriteDeadline extends FilterOutputStream {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final Socket socket;
    private volatile Duration limit;
    private volatile boolean expired;

    /**
     * @param out the output to guard (a TLS socket's, or the TCP socket's)
     * @param tcp the TCP socket under it, closed when a write takes too long (closing the TLS
     *        layer instead would wait for the very write that is stuck)
     */
    WriteDeadline(OutputStream out, Socket tcp, Duration limit) {
        super(out);
        this.socket = tcp;
        this.limit = limit;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("smtp-write-deadline").factory());
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** The limit for the writes from now on. */
    void limit(Duration limit) {
        this.limit = limit;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ScheduledFuture<?> alarm = TIMER.schedule(this::expire, limit.toNanos(), TimeUnit.NANOSECONDS);
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            if (expired) throw new SocketTimeoutException("write blocked longer than " + limit);
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }

    private void expire() {
        expired = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing is all we want
        }
    }
}
