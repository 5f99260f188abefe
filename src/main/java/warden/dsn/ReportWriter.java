package warden.dsn;

import warden.message.MessageWriter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes report text into a {@link MessageWriter}: lines with CRLF, header fields folded at
 * white space, and the returned message copied in from its stream a chunk at a time, so a
 * report of any size costs the heap one chunk.
 *
 * <h2>Standards</h2>
 * RFC 5322 section 2.1.1 (lines at most 998 octets, should be 78) and 2.2.3 (folding at white
 * space).
 */
final class ReportWriter {

    /** RFC 5322 2.1.1: the SHOULD, where a field can be folded. */
    static final int FOLD_AT = 78;
    /** Below RFC 5322 2.1.1's 998-octet MUST: a longer word is cut there (it can not be folded). */
    static final int HARD_LIMIT = 900;
    private static final int CHUNK = 64 * 1024;

    private final MessageWriter out;

    ReportWriter(MessageWriter out) {
        this.out = out;
    }

    /** One line and its CRLF. {@code line} holds no line break. */
    ReportWriter line(String line) throws IOException {
        bytes(line.getBytes(StandardCharsets.UTF_8));
        return crlf();
    }

    ReportWriter crlf() throws IOException {
        if (!out.crlf()) throw new IOException("report over its size limit");
        return this;
    }

    /** A header field {@code name: value}, folded before a word that would pass 78 characters. */
    ReportWriter field(String name, String value) throws IOException {
        StringBuilder line = new StringBuilder(name).append(':');
        boolean first = true;
        for (String word : value.split(" +")) {
            if (word.isEmpty()) continue;
            while (word.length() > HARD_LIMIT) { // XXX cut: a 900-character word has no place to fold
                line = flushIfLong(line, HARD_LIMIT, first);
                line.append(' ').append(word, 0, HARD_LIMIT);
                word = word.substring(HARD_LIMIT);
                first = false;
            }
            line = flushIfLong(line, word.length(), first);
            line.append(' ').append(word);
            first = false;
        }
        return line(line.toString());
    }

    private StringBuilder flushIfLong(StringBuilder line, int next, boolean first) throws IOException {
        if (first || line.length() + 1 + next <= FOLD_AT) return line;
        line(line.toString());
        return new StringBuilder(); // the next word's space starts the continuation line
    }

    /** A paragraph of text, wrapped at white space to lines of at most 76 characters, then CRLF. */
    ReportWriter wrapped(String text) throws IOException {
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" +")) {
            if (word.isEmpty()) continue;
            while (word.length() > HARD_LIMIT) {
                if (!line.isEmpty()) line(line.toString());
                line = new StringBuilder();
                line(word.substring(0, HARD_LIMIT));
                word = word.substring(HARD_LIMIT);
            }
            if (!line.isEmpty() && line.length() + 1 + word.length() > 76) {
                line(line.toString());
                line = new StringBuilder("    ");
            } else if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        if (!line.isEmpty()) line(line.toString());
        return this;
    }

    /** Copies {@code in} to its end, as it is. */
    void copy(InputStream in) throws IOException {
        byte[] chunk = new byte[CHUNK];
        for (int n; (n = in.read(chunk)) > 0; ) {
            for (int i = 0; i < n; i++) add(chunk[i]);
        }
    }

    /**
     * Copies the header section of the message in {@code in}: every line up to the empty line
     * that ends it (not included), or all of it if there is none.
     */
    void copyHeader(InputStream in) throws IOException {
        byte[] chunk = new byte[CHUNK];
        int lineLength = 0; // octets of the current line before its CR LF
        boolean cr = false;
        for (int n; (n = in.read(chunk)) > 0; ) {
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                if (b == '\n') {
                    if (lineLength == 0) return; // the empty line (its CR, if any, not yet written)
                    if (cr) add((byte) '\r');
                    add(b);
                    lineLength = 0;
                    cr = false;
                } else if (b == '\r' && !cr) {
                    cr = true; // held until we know whether it ends an empty line
                } else {
                    if (cr) { add((byte) '\r'); lineLength++; }
                    cr = false;
                    add(b);
                    lineLength++;
                }
            }
        }
        if (cr || lineLength > 0) crlf(); // a last line without its line end gets one (a lone CR is dropped)
    }

    private void bytes(byte[] b) throws IOException {
        for (byte x : b) add(x);
    }

    private void add(byte b) throws IOException {
        if (!out.add(b)) throw new IOException("report over its size limit");
    }
}
