package warden.door.postfix;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads Postfix policy requests off a connection: {@code name=value} lines ended by an empty line,
 * within bounds, whatever the client sends.
 *
 * <p>Framing as Postfix writes it (SMTPD_POLICY_README, "Protocol description"): a line ends in LF
 * (a CR before it is dropped); a line is split on its <em>first</em> {@code =}, so values may
 * hold {@code =} (BATV {@code prvs=} senders); names and values never hold NUL or a newline;
 * unknown names are kept and ignored by the reader of the request; of a repeated name the first
 * value counts. Values are read as UTF-8 (SMTPUTF8 addresses), a bad sequence replaced.
 *
 * <p>Bounds: a line of at most {@value #MAX_LINE} bytes, a request of at most
 * {@value #MAX_REQUEST} bytes and {@value #MAX_ATTRIBUTES} lines. Postfix's longest line (an
 * xtext-encoded {@code ccert_subject}) is far below them.
 *
 * <p>What does not fit is a {@link Malformed} request, never an exception and never silence: the
 * door answers it and logs it. A request whose framing held (it ended with its empty line) can be
 * answered and the connection kept ({@link Malformed#resync()}); after an oversized line, a NUL
 * byte (binary data) or the end of input inside a request, the framing is lost and the door closes
 * the connection after answering (Postfix reconnects for its next request).
 */
final class RequestReader {

    /** The longest line taken, in bytes, its LF included. */
    static final int MAX_LINE = 8192;
    /** The largest request taken, in bytes. */
    static final int MAX_REQUEST = 64 * 1024;
    /** The most lines one request may have. */
    static final int MAX_ATTRIBUTES = 256;

    /** What one read gives. */
    sealed interface Read permits Request, Malformed, End {}

    /** A well-framed request and its attributes, in the order sent. */
    record Request(PolicyRequest request) implements Read {}

    /**
     * Something that is not a policy request.
     *
     * @param reason why, in Warden's words (no client byte in it)
     * @param resync whether the framing held, so the next request can be read
     */
    record Malformed(String reason, boolean resync) implements Read {}

    /** The client closed the connection between requests. */
    record End() implements Read {}

    private final InputStream in;
    private final byte[] line = new byte[MAX_LINE];
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;

    /** @param in the connection's input (read in blocks: no need to buffer it) */
    RequestReader(InputStream in) {
        this.in = in;
    }

    /** The next byte, or -1 at the end of input. */
    private int read() throws IOException {
        if (position == limit) {
            int n = in.read(buffer, 0, buffer.length);
            if (n <= 0) return -1;
            position = 0;
            limit = n;
        }
        return buffer[position++] & 0xff;
    }

    /**
     * Reads the next request.
     *
     * @param started called once the first byte of a request has arrived (the door then shortens
     *                the connection's deadline from "idle between requests" to "inside a request")
     */
    Read next(Runnable started) throws IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        int total = 0;
        int lines = 0;
        String problem = null;
        boolean first = true;
        while (true) {
            int n = 0;
            int b;
            while ((b = read()) >= 0 && b != '\n') {
                if (first) {
                    first = false;
                    started.run();
                }
                if (b == 0) return new Malformed("binary data (a NUL byte)", false);
                if (n == MAX_LINE - 1) return new Malformed("a line longer than " + MAX_LINE + " bytes", false);
                line[n++] = (byte) b;
            }
            if (b < 0) {
                return first ? new End() : new Malformed("incomplete request (the input ended before the empty line)", false);
            }
            if (first) {
                first = false;
                started.run();
            }
            total += n + 1;
            if (total > MAX_REQUEST) return new Malformed("a request larger than " + MAX_REQUEST + " bytes", false);
            if (n > 0 && line[n - 1] == '\r') n--;
            if (n == 0) break;
            if (++lines > MAX_ATTRIBUTES) return new Malformed("a request of more than " + MAX_ATTRIBUTES + " lines", false);
            String text = new String(line, 0, n, StandardCharsets.UTF_8);
            int eq = text.indexOf('=');
            if (eq <= 0) {
                if (problem == null) problem = eq < 0 ? "a line without '='" : "a line without a name before '='";
                continue;
            }
            attributes.putIfAbsent(text.substring(0, eq), text.substring(eq + 1));
        }
        if (problem != null) return new Malformed(problem, true);
        if (attributes.isEmpty()) return new Malformed("an empty request", true);
        String request = attributes.get("request");
        if (request == null) return new Malformed("no request=smtpd_access_policy", true);
        if (!PolicyRequest.SMTPD_ACCESS_POLICY.equals(request)) {
            return new Malformed("request=" + warden.policy.Check.oneLine(request) + " is not smtpd_access_policy", true);
        }
        return new Request(new PolicyRequest(attributes));
    }
}
