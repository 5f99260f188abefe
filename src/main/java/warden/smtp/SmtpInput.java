package warden.smtp;

import warden.message.MessageWriter;
import warden.message.ReceivedMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The client's side of the conversation: command lines and DATA, read from a socket through one
 * buffer that tells whether more input is already waiting (the PIPELINING flush rule).
 *
 * <h2>Standards</h2>
 * RFC 5321 4.5.3.1.4 (command line at most 512 octets with CRLF) and 4.5.3.1.6 (text line at most
 * 1000 octets); 4.5.2 (transparency: dot-stuffing); 2.3.8 and the SMTP smuggling advisories
 * (only {@code CRLF . CRLF} ends DATA; a bare LF or CR never does).
 *
 * <p>Command lines may end in a bare LF (as Postfix and Exim accept): only DATA is strict.
 * Not thread-safe: one session reads it.
 */
public final class SmtpInput {

    /** What {@link #readLine} returns for a line over the limit (the rest of it was discarded). */
    public static final String TOO_LONG = new String("\u0000too long");

    /**
     * What {@link #readLine} returns for a line that is not valid UTF-8 (RFC 3629): it is refused,
     * never rewritten with U+FFFD, which would make another address or name of it.
     */
    public static final String NOT_UTF8 = new String("\u0000not UTF-8");

    private final InputStream in;
    /** The buffer starts small and doubles up to this while the client sends in bulk (DATA). */
    private static final int MAX_BUFFER = 16 * 1024;

    // Small at first: a connection held in a tarpit sends a few short commands, and 10 000 of
    // them with 16 KB each would hold 160 MB of heap for nothing.
    private byte[] buf = new byte[1024];
    private int pos;
    private int limit;

    /** Read no byte beyond those asked for (see {@link #readNoMoreThanAsked}). */
    private boolean exact;

    public SmtpInput(InputStream in) {
        this.in = in;
    }

    /**
     * From now on reads no byte from the stream beyond those a call asks for, until
     * {@link #readAhead()}: for a PROXY header in front of TLS (port 465 behind a proxy), whose
     * following bytes are the client's TLS handshake and must be left in the socket for it.
     * Slower (a read per byte), so only for a header's worth.
     */
    public void readNoMoreThanAsked() {
        exact = true;
    }

    /** Reads in bulk again (the default). */
    public void readAhead() {
        exact = false;
    }

    /** Whether bytes are buffered or readable without blocking: if not, replies must be flushed now. */
    public boolean hasPendingInput() throws IOException {
        return pos < limit || in.available() > 0;
    }

    private boolean fill() throws IOException {
        if (pos < limit) return true;
        // The last read filled the buffer, and it is all consumed: read more at a time from now on.
        if (limit == buf.length && buf.length < MAX_BUFFER) buf = new byte[buf.length * 2];
        int n = in.read(buf, 0, exact ? 1 : buf.length);
        if (n <= 0) return false;
        pos = 0;
        limit = n;
        return true;
    }

    /** Reads one byte, or -1 at end of stream. */
    public int read() throws IOException {
        if (!fill()) return -1;
        return buf[pos++] & 0xff;
    }

    /** Reads exactly {@code n} bytes (PROXY v2 header), or throws at end of stream. */
    public byte[] readExactly(int n) throws IOException {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            int b = read();
            if (b < 0) throw new java.io.EOFException();
            out[i] = (byte) b;
        }
        return out;
    }

    /** Looks at the next {@code n} buffered bytes without consuming them, reading if needed. */
    public byte[] peek(int n) throws IOException {
        if (pos > 0 && limit - pos < n) {
            System.arraycopy(buf, pos, buf, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        while (limit - pos < n) {
            int r = in.read(buf, limit, exact ? n - (limit - pos) : buf.length - limit);
            if (r <= 0) break;
            limit += r;
        }
        return Arrays.copyOfRange(buf, pos, pos + Math.min(n, limit - pos));
    }

    /**
     * Reads one command line without its line end; {@code null} at end of stream;
     * {@link #TOO_LONG} when it exceeded {@code max} octets including CRLF.
     */
    public String readLine(int max) throws IOException {
        tooLongStart = "";
        byte[] line = new byte[128];
        int len = 0;
        boolean tooLong = false;
        while (true) {
            if (!fill()) return len == 0 && !tooLong ? null : decode(line, len, noteStart(line, len, tooLong));
            // scan the buffer for LF in one pass
            int start = pos;
            int lf = -1;
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') { lf = i; break; }
            }
            int end = lf < 0 ? limit : lf;
            int chunk = end - start;
            if (!tooLong) {
                if (len + chunk > max) {
                    tooLong = true;
                    // its start is kept, so the caller can tell which command it was (tooLongStart)
                    int fit = Math.max(0, Math.min(chunk, 16 - len));
                    if (len + fit > line.length) line = Arrays.copyOf(line, len + fit);
                    System.arraycopy(buf, start, line, len, fit);
                    len += fit;
                } else {
                    if (len + chunk > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, len + chunk));
                    System.arraycopy(buf, start, line, len, chunk);
                    len += chunk;
                }
            }
            pos = lf < 0 ? limit : lf + 1;
            if (lf >= 0) {
                if (!tooLong && len > 0 && line[len - 1] == '\r') len--;
                if (!tooLong && len + 2 > max) tooLong = true;
                return decode(line, len, noteStart(line, len, tooLong));
            }
        }
    }

    /**
     * The first octets (at most 16, printable ASCII, others as {@code ?}) of the last line
     * {@link #readLine} found {@link #TOO_LONG}, so the session can tell which command it was
     * (RFC 4954 answers an AUTH line over its limit with 500 5.5.6); empty after any other line.
     */
    public String tooLongStart() {
        return tooLongStart;
    }

    private String tooLongStart = "";

    private boolean noteStart(byte[] line, int len, boolean tooLong) {
        if (!tooLong) return false;
        StringBuilder b = new StringBuilder(16);
        for (int i = 0; i < Math.min(len, 16); i++) b.append(line[i] >= 0x20 && line[i] < 0x7f ? (char) line[i] : '?');
        tooLongStart = b.toString();
        return true;
    }

    private static String decode(byte[] line, int len, boolean tooLong) {
        if (tooLong) return TOO_LONG;
        boolean ascii = true;
        for (int i = 0; i < len && ascii; i++) ascii = line[i] >= 0;
        if (ascii) return new String(line, 0, len, StandardCharsets.US_ASCII);
        // UTF-8 for SMTPUTF8 addresses (RFC 6531); malformed, overlong and surrogate sequences are
        // errors, not U+FFFD.
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line, 0, len)).toString();
        } catch (CharacterCodingException e) {
            return NOT_UTF8;
        }
    }

    /**
     * Reads a DATA section up to and including the terminating {@code CRLF.CRLF}, un-stuffing
     * dots. The content keeps CRLF line ends. Bare CR and bare LF never end DATA; they are
     * recorded, and with {@code normalize} turned into CRLF in the content.
     *
     * <p>The content goes to {@code out} as it is read (a data file, not the heap). A line's
     * length is counted after un-stuffing: the transparency dot is not part of the line
     * (RFC 5321 4.5.3.1.6 and 4.5.2).
     *
     * @param out where the content goes; content beyond its size limit is not kept, and
     *        {@link DataResult#tooBig()} is set
     * @param maxLine the longest text line, in octets including CRLF
     * @return the result, or null if the stream ended before the terminator; either way, and on
     *         any exception, {@code out} is finished or abandoned (no data file is left behind)
     */
    public DataResult readData(MessageWriter out, int maxLine, boolean normalize) throws IOException {
        try {
            DataResult result = readData0(out, maxLine, normalize);
            if (result == null) out.abandon();
            return result;
        } catch (IOException | RuntimeException | Error e) {
            out.abandon();
            throw e;
        }
    }

    private DataResult readData0(MessageWriter out, int maxLine, boolean normalize) throws IOException {
        boolean tooBig = false;
        boolean longLine = false;
        boolean bare = false;
        long total = 0;
        // Parser state: position within the current line, whether that line followed a real CRLF,
        // whether the line so far is exactly "." (candidate terminator), and a pending CR.
        int lineLen = 0;
        boolean afterCrlf = true;
        boolean dotLine = false;
        boolean pendingCr = false;
        while (true) {
            if (!fill()) return null;
            int i = pos;
            int lim = limit;
            byte[] b = buf;
            while (i < lim) {
                byte c = b[i++];
                if (pendingCr) {
                    pendingCr = false;
                    if (c == '\n') {
                        // a real CRLF
                        if (dotLine) {
                            pos = i;
                            return finish(out, total, tooBig, longLine, bare);
                        }
                        if (lineLen + 2 > maxLine) longLine = true;
                        total += 2;
                        if (!tooBig) tooBig = !out.crlf();
                        lineLen = 0;
                        afterCrlf = true;
                        dotLine = false;
                        continue;
                    }
                    // bare CR inside a line
                    bare = true;
                    if (dotLine) {
                        // "." then bare CR is no terminator: keep the dot as data
                        total++;
                        if (!tooBig) tooBig = !out.add((byte) '.');
                    }
                    if (normalize) {
                        total += 2;
                        if (!tooBig) tooBig = !out.crlf();
                        lineLen = 0;
                        afterCrlf = false;
                        dotLine = false;
                    } else {
                        lineLen++;
                        total++;
                        if (!tooBig) tooBig = !out.add((byte) '\r');
                        dotLine = false;
                    }
                    // fall through to handle c as a normal byte below
                }
                if (c == '\r') {
                    pendingCr = true;
                    continue;
                }
                if (c == '\n') {
                    bare = true;
                    if (dotLine) {
                        // "." then bare LF is no terminator (SMTP smuggling): keep the dot as data
                        total++;
                        if (!tooBig) tooBig = !out.add((byte) '.');
                    }
                    if (lineLen + 1 > maxLine) longLine = true;
                    if (normalize) {
                        total += 2;
                        if (!tooBig) tooBig = !out.crlf();
                    } else {
                        total++;
                        if (!tooBig) tooBig = !out.add((byte) '\n');
                    }
                    lineLen = 0;
                    afterCrlf = false;
                    dotLine = false;
                    continue;
                }
                if (lineLen == 0 && c == '.' && afterCrlf && !dotLine) {
                    // first dot of a line after CRLF: either the terminator or a stuffed dot (RFC 5321 4.5.2)
                    dotLine = true;
                    lineLen = 1;
                    continue;
                }
                if (dotLine && lineLen == 1) {
                    // the leading dot was stuffing: drop it, keep this byte, and do not count the
                    // dot toward the line's length (RFC 5321 4.5.3.1.6 limits the unstuffed line)
                    dotLine = false;
                    lineLen = 0;
                }
                lineLen++;
                total++;
                if (!tooBig) tooBig = !out.add(c);
            }
            pos = i;
            if (lineLen > maxLine) longLine = true;
        }
    }

    private static DataResult finish(MessageWriter out, long total, boolean tooBig, boolean longLine, boolean bare) {
        try {
            return new DataResult(out.finish(), total, tooBig, longLine, bare, null);
        } catch (IOException e) {
            return new DataResult(null, total, tooBig, longLine, bare, e);
        }
    }

    /**
     * What {@link #readData} read: the message and what was wrong with it.
     *
     * @param message the message (the caller discards it when done), null if it could not be stored
     * @param size the content's octets as received, kept or not
     * @param storageFailure why the message could not be stored (disk full), else null
     */
    public record DataResult(ReceivedMessage message, long size, boolean tooBig, boolean longLine,
                             boolean bareLineEnding, IOException storageFailure) {}
}
