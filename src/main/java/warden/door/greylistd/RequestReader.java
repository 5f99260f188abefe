package warden.door.greylistd;

import warden.door.DoorConnection;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Reads the one request of a greylistd connection, framed as greylistd's clients frame it.
 *
 * <p>greylistd itself answers whatever its single {@code recv(16384)} returns. Its clients send
 * the request and then either shut down their side (Exim's {@code ${readsocket}}), end it with a
 * newline (scripts), or neither, waiting for the answer with the socket open (greylistd's
 * {@code greylist} tool). So the request is what arrives up to the first newline or end of file,
 * or, when neither follows the first bytes within {@link #QUIET_GAP}, what has arrived by then.
 * A request split over several segments (greylistd's defect 4) is read whole.
 *
 * <p>More than {@value #MAX_REQUEST} bytes without a newline is refused, never buffered: the
 * reader holds at most that much plus one. Text is decoded as UTF-8, a malformed sequence as
 * U+FFFD (greylistd decodes ASCII the same way).
 *
 * <p>The quiet gap is timed by the wall clock, as the connection's deadlines are: it ends the
 * client's input ({@link DoorConnection#shutdownInput()}) rather than the connection, which must
 * still carry the answer.
 */
final class RequestReader {

    /** greylistd's {@code recv(16384)}. */
    static final int MAX_REQUEST = 16384;
    /** How long to wait after the first bytes for a newline or end of file before answering what came. */
    static final Duration QUIET_GAP = Duration.ofMillis(150);
    /** How long, and how much, to read and drop after answering ({@link DoorConnection#drain}), so that closing does not reset the answer away. */
    static final Duration DRAIN_TIME = Duration.ofSeconds(1);
    static final int DRAIN_BYTES = 64 * 1024;

    /** What the client sent. */
    sealed interface Framed {
        /**
         * A request (possibly empty: greylistd answers {@code No data received}).
         *
         * @param ended whether the client's input has ended (end of file, or shut after the quiet
         *              gap): nothing is left to {@link DoorConnection#drain}
         */
        record Request(String text, boolean ended) implements Framed {}

        /** More than {@value #MAX_REQUEST} bytes before any newline. */
        record TooLong() implements Framed {}
    }

    private RequestReader() {}

    /** Reads the request; an {@link IOException} means the client went away (or its deadline passed). */
    static Framed read(DoorConnection connection) throws IOException {
        InputStream in = connection.input();
        byte[] buf = new byte[MAX_REQUEST + 1];
        int n = 0;
        Thread gap = null;
        try {
            while (n < buf.length) {
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) break;
                int end = n + r;
                for (int i = n; i < end; i++) {
                    if (buf[i] == '\n') return new Framed.Request(decode(buf, i), false);
                }
                n = end;
                if (gap == null) gap = later(QUIET_GAP, connection);
            }
        } finally {
            if (gap != null) gap.interrupt();
        }
        return n > MAX_REQUEST ? new Framed.TooLong() : new Framed.Request(decode(buf, n), true);
    }


    /** A wall-clock timer that ends the client's input after {@code after} unless interrupted first. */
    private static Thread later(Duration after, DoorConnection connection) {
        return Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(after);
                connection.shutdownInput();
            } catch (InterruptedException cancelled) {
                // the read finished first
            }
        });
    }

    private static String decode(byte[] buf, int length) {
        return new String(buf, 0, length, StandardCharsets.UTF_8); // malformed input becomes U+FFFD
    }
}
