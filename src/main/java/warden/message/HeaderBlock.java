package warden.message;

import java.util.Arrays;

/**
 * The header section of a received message, as far as the DATA checks read it: at most
 * {@link #MAX_LINES} lines and {@link #MAX_OCTETS} octets of whole lines, without the empty line
 * that ends it. A longer header section is cut at a line end and marked {@link #truncated()}; the
 * checks then judge what fits, and the session logs that they saw only part of it.
 *
 * <p>The bounds are far above real mail (a message that went through 50 hops with long
 * {@code Received:} fields, DKIM and ARC sets has a few hundred lines and some tens of KiB)
 * and keep a hostile header from costing more than {@value #MAX_OCTETS} octets of heap.
 *
 * <h2>Standards</h2>
 * RFC 5322 section 2.1 (header section, then an empty line, then the body) and 3.5.
 *
 * @param bytes the header lines with their line ends, as received
 * @param lines how many lines {@code bytes} holds
 * @param truncated whether the header section went on beyond the bounds
 */
public record HeaderBlock(byte[] bytes, int lines, boolean truncated) {

    /** The most header lines the checks read. */
    public static final int MAX_LINES = 1000;
    /** The most header octets the checks read. */
    public static final int MAX_OCTETS = 256 * 1024;

    /**
     * Finds the header section at the start of {@code content}.
     *
     * @param length how many octets of {@code content} are there
     * @param whole whether {@code content} holds the whole message (else it is the start of a
     *        longer one, and must hold at least {@code MAX_OCTETS + 2} octets)
     */
    static HeaderBlock scan(byte[] content, int length, boolean whole) {
        int lines = 0;
        int lineStart = 0;
        for (int i = 0; i < length; i++) {
            if (content[i] != '\n') continue;
            int n = i - lineStart;
            if (n == 0 || (n == 1 && content[lineStart] == '\r')) {
                return new HeaderBlock(Arrays.copyOf(content, lineStart), lines, false);
            }
            if (i + 1 > MAX_OCTETS || lines == MAX_LINES) {
                return new HeaderBlock(Arrays.copyOf(content, lineStart), lines, true);
            }
            lines++;
            lineStart = i + 1;
        }
        if (!whole || length > MAX_OCTETS) return new HeaderBlock(Arrays.copyOf(content, lineStart), lines, true);
        // The message ends inside its header: all of it is header (a last line without its end too).
        if (lineStart < length) {
            if (lines == MAX_LINES) return new HeaderBlock(Arrays.copyOf(content, lineStart), lines, true);
            lines++;
        }
        return new HeaderBlock(Arrays.copyOf(content, length), lines, false);
    }

    @Override
    public String toString() {
        return "HeaderBlock[" + bytes.length + " octets, " + lines + " lines" + (truncated ? ", truncated]" : "]");
    }
}
