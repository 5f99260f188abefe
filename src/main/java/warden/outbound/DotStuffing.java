package warden.outbound;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies message content into DATA: a {@code .} that starts a line is doubled, a lone LF becomes
 * CRLF, the content is made to end with CRLF, and the {@code .} CRLF that ends the data is
 * written. Streams in chunks: never more than two buffers of the message in the heap.
 *
 * <p>A lone CR is passed as it is: Warden's own SMTP server takes none, and turning it into a
 * line end would change the message.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.5.2 (transparency) and 2.3.8 (CRLF is the only line end on the wire).
 */
public final class DotStuffing {

    private static final int CHUNK = 64 * 1024;
    private static final byte[] END = {'.', '\r', '\n'};

    private DotStuffing() {}

    /** Writes {@code in} to {@code out} dot-stuffed, then the end of data. Does not flush or close. */
    public static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] chunk = new byte[CHUNK];
        byte[] wire = new byte[CHUNK * 2 + 2];
        boolean lineStart = true;
        int previous = -1;
        for (int n; (n = in.read(chunk)) >= 0; ) {
            int o = 0;
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                if (lineStart && b == '.') wire[o++] = '.';
                if (b == '\n' && previous != '\r') wire[o++] = '\r';
                wire[o++] = b;
                lineStart = b == '\n';
                previous = b;
            }
            out.write(wire, 0, o);
        }
        if (!lineStart) {
            if (previous != '\r') out.write('\r');
            out.write('\n');
        }
        out.write(END);
    }
}
