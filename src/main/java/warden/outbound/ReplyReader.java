package warden.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the server's replies from a socket, bounded as a hostile peer demands: a line longer than
 * {@link #MAX_LINE} octets, a reply of more than {@link #MAX_LINES} lines, a malformed line, or a
 * reply that takes longer than its whole timeout (a peer trickling one byte at a time) ends the
 * conversation with an {@link IOException}.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.2 (a reply line is {@code code SP text} or, but for the last,
 * {@code code - text}), 4.5.3.1.5 (512 octets per reply line: we take more), 4.5.3.2 (the
 * timeout is for the whole reply).
 */
public final class ReplyReader {

    /** Octets in one reply line, line end included. */
    static final int MAX_LINE = 4096;
    /** Lines in one reply (an EHLO reply has one per extension). */
    static final int MAX_LINES = 200;

    private final Socket socket;
    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int start;
    private int end;

    public ReplyReader(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** Reads one whole reply within {@code timeout}. */
    public PeerReply read(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> lines = new ArrayList<>();
        int code = -1;
        while (true) {
            String line = readLine(deadline);
            if (line.length() < 3 || !digits(line) || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                throw new IOException("malformed reply line: " + warden.mail.ClientText.ascii(line, 200));
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (code < 0) code = c;
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') break;
            if (lines.size() >= MAX_LINES) throw new IOException("reply of more than " + MAX_LINES + " lines");
        }
        if (code < 200 || code > 599) throw new IOException("reply code " + code + " out of range");
        return new PeerReply(code, lines);
    }

    private static boolean digits(String line) {
        for (int i = 0; i < 3; i++) if (line.charAt(i) < '0' || line.charAt(i) > '9') return false;
        return true;
    }

    private String readLine(long deadline) throws IOException {
        byte[] line = new byte[256];
        int n = 0;
        while (true) {
            if (start == end) fill(deadline);
            byte b = buffer[start++];
            if (b == '\n') break;
            if (n == MAX_LINE) throw new IOException("reply line longer than " + MAX_LINE + " octets");
            if (n == line.length) line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, MAX_LINE));
            line[n++] = b;
        }
        if (n > 0 && line[n - 1] == '\r') n--;
        return new String(line, 0, n, StandardCharsets.UTF_8);
    }

    private void fill(long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new SocketTimeoutException("no complete reply in time");
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
        int r = in.read(buffer, 0, buffer.length);
        if (r < 0) throw new java.io.EOFException("connection closed by the server");
        start = 0;
        end = r;
    }

    /** Whether the server has sent something we have not read (it must not, before STARTTLS's handshake). */
    boolean buffered() {
        return start < end;
    }
}
