package warden.door;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One accepted connection of a front door: its streams, who it is from, and its idle deadline.
 *
 * <p>The deadline is enforced by the {@link DoorListener}, which closes the channel when it passes:
 * a blocked read or write then fails at once, so a silent client or one that never reads its
 * answer holds nothing but its socket for at most that long. A handler moves the deadline before
 * each read and write with {@link #deadline(Duration)}. Deadlines run on the monotonic clock
 * ({@link System#nanoTime()}), never on the engine's injected clock: they bound how long a socket
 * is held, in real time, and a test clock standing still or jumping ahead must neither stretch
 * nor cut them.
 */
public final class DoorConnection implements AutoCloseable {

    private final SocketChannel channel;
    private final String peer;
    private final boolean unix;
    private final InputStream in;
    private final OutputStream out;
    /** The {@link System#nanoTime()} after which the listener closes the connection. */
    private volatile long deadline;

    DoorConnection(SocketChannel channel, String peer, boolean unix, Duration idle) {
        this.channel = channel;
        this.peer = peer;
        this.unix = unix;
        this.in = Channels.newInputStream(channel);
        this.out = Channels.newOutputStream(channel);
        this.deadline = System.nanoTime() + idle.toNanos();
    }

    /** What the client sends. A read fails once the deadline has passed and the channel is closed. */
    public InputStream input() { return in; }

    /** Where answers go (unbuffered: wrap it, and flush). */
    public OutputStream output() { return out; }

    /** The client for log lines: {@code 127.0.0.1:40312}, or {@code unix} for a UNIX-socket client. */
    public String peer() { return peer; }

    /** Whether the client came through a UNIX socket. */
    public boolean unix() { return unix; }

    /** Closes the connection {@code idle} from now unless moved again. */
    public void deadline(Duration idle) {
        deadline = System.nanoTime() + idle.toNanos();
    }

    /** Half-closes our side: the client reads end of file after what was written. */
    public void shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException | RuntimeException ignored) {
            // the peer has gone: nothing to tell it
        }
    }

    /**
     * Half-closes the client's side: a read blocked now, or made later, returns end of file
     * at once, while answers can still be written. A door that must answer a client which
     * neither ends its line nor shuts down its side (greylistd's {@code greylist} tool) calls
     * this from a timer after a quiet gap.
     */
    public void shutdownInput() {
        try {
            channel.shutdownInput();
        } catch (IOException | RuntimeException ignored) {
            // the peer has gone: nothing more to read anyway
        }
    }

    /**
     * After the last answer: half-closes our side, then reads and drops what the client still
     * sends (the rest of a request refused as too long or malformed), for at most {@code time}
     * and {@code bytes}, so that closing with unread input does not send a reset that can reach
     * the client before it has read the answer.
     */
    public void drain(Duration time, int bytes) {
        shutdownOutput();
        deadline(time);
        byte[] sink = new byte[8192];
        int total = 0;
        try {
            int n;
            while (total < bytes && (n = in.read(sink)) >= 0) total += n;
        } catch (IOException | RuntimeException gone) {
            // closed by the deadline or by the client: done either way
        }
    }

    /** Whether the connection is still open (not closed by its handler, its deadline or an eviction). */
    boolean isOpen() {
        return channel.isOpen();
    }

    boolean deadlineBefore(DoorConnection other) {
        return deadline - other.deadline < 0;
    }

    boolean expired(long nanoTime) {
        return nanoTime - deadline > 0;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
