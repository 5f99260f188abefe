package warden.submission;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a message as local programs hand it to sendmail (lines ending in LF, or CRLF) and writes
 * it to a temporary file as it will be sent: CRLF line ends, {@code Bcc:} removed, the headers
 * sendmail adds when they are missing ({@code From:}, {@code Date:}, {@code Message-ID:}) at the
 * end of the header section, lines longer than 998 octets broken. The message streams through a
 * small buffer; only the values of {@code To:}, {@code Cc:} and {@code Bcc:} are kept, and only
 * with {@code -t}, up to {@value #MAX_ADDRESS_TEXT} characters.
 *
 * <p>Without {@code -i}, a line holding a single dot ends the message, as in sendmail; with it,
 * only the end of input does. A first line {@code From ...} (an mbox separator) is dropped. A first
 * line that is not a header field means the message has no header section: the added headers and
 * an empty line go before it. A last line without LF gets one.
 *
 * <h2>Standards</h2>
 * RFC 5322 sections 2.1.1 (998 octets; longer lines are broken with CRLF SP, as Postfix's
 * {@code smtp_line_length_limit} does), 2.2 (header fields, folding), 3.6 (From:, Date:,
 * Message-ID:; Bcc: must not reach To/Cc recipients: sendmail removes it), 3.6.4 (msg-id);
 * sendmail(8) {@code -t}, {@code -i}.
 *
 * <p>Not done: {@code Resent-To:}/{@code Resent-Cc:} for {@code -t} (Postfix uses them when
 * present); {@code To: undisclosed-recipients:;} when the message names no recipient; the GECOS
 * full name for an added {@code From:}.
 */
public final class MessageIntake {

    /** The octets of a line before the CRLF, at most (RFC 5322 2.1.1). */
    static final int MAX_LINE = 998;
    /** Characters of To/Cc/Bcc text kept for {@code -t}. */
    static final int MAX_ADDRESS_TEXT = 1 << 20;

    private static final byte[] CRLF = {'\r', '\n'};

    /** What sendmail adds when missing, already formatted as header lines (without CRLF). */
    public record Additions(String from, String date, String messageId) {}

    /**
     * The message as written.
     *
     * @param file the temporary file, CRLF, not dot-stuffed; the caller deletes it
     * @param size its size in octets
     * @param eightBit whether any octet is above 127 (BODY=8BITMIME)
     * @param headerRecipients with {@code -t}: the addresses of To:, Cc: and Bcc:, in order
     */
    public record Intake(Path file, long size, boolean eightBit, List<String> headerRecipients) {}

    /** The input cannot be taken (sysexits EX_DATAERR). */
    public static final class BadInputException extends IOException {
        public BadInputException(String message) {
            super(message);
        }
    }

    private final boolean ignoreDots;
    private final boolean extractRecipients;
    private final Additions additions;

    public MessageIntake(boolean ignoreDots, boolean extractRecipients, Additions additions) {
        this.ignoreDots = ignoreDots;
        this.extractRecipients = extractRecipients;
        this.additions = additions;
    }

    /**
     * Reads {@code in} to its end (or the lone dot) into a new file in {@code directory}, readable
     * by its owner only. On any failure the file is removed.
     */
    public Intake read(InputStream in, Path directory) throws IOException {
        Path file = Files.createTempFile(directory, "warden-sendmail-", ".eml",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            Writer w = new Writer(out);
            w.copy(in);
            out.flush();
            return new Intake(file, Files.size(file), w.eightBit, w.recipients());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The state of one pass over the input. */
    private final class Writer {
        final OutputStream out;
        final byte[] line = new byte[MAX_LINE];
        boolean eightBit;
        boolean inHeaders = true;
        boolean firstLine = true;
        /** The lower-cased name of the header field the current line continues, or null. */
        String field;
        boolean sawFrom, sawDate, sawMessageId;
        final StringBuilder addressText = new StringBuilder();

        Writer(OutputStream out) {
            this.out = out;
        }

        void copy(InputStream input) throws IOException {
            java.io.PushbackInputStream in = new java.io.PushbackInputStream(
                    input instanceof java.io.BufferedInputStream ? input : new java.io.BufferedInputStream(input, 1 << 16), 2);
            boolean lineStart = true; // the next piece starts a line
            while (true) {
                int n = 0;
                int b = -1;
                while (n < MAX_LINE && (b = in.read()) >= 0 && b != '\n') line[n++] = (byte) b;
                if (n == MAX_LINE) b = lineEndAfterFullBuffer(in);
                boolean endOfInput = b < 0;
                boolean endOfLine = b == '\n' || endOfInput;
                if (endOfLine && n > 0 && line[n - 1] == '\r') n--; // CRLF input
                if (lineStart && endOfInput && n == 0) break; // nothing after the last LF
                if (lineStart && endOfLine && !ignoreDots && n == 1 && line[0] == '.') break; // the lone dot
                piece(n, lineStart, endOfLine);
                if (endOfInput) break;
                lineStart = endOfLine;
            }
            if (inHeaders) endHeaders();
        }

        /**
         * After 998 octets without LF: {@code '\n'} if the line ends right there (LF or CRLF,
         * consumed), -1 at the end of input, else 0 (the line goes on; nothing consumed).
         */
        int lineEndAfterFullBuffer(java.io.PushbackInputStream in) throws IOException {
            int c = in.read();
            if (c < 0 || c == '\n') return c;
            if (c == '\r') {
                int c2 = in.read();
                if (c2 == '\n') return c2;
                if (c2 >= 0) in.unread(c2);
            }
            in.unread(c);
            return 0;
        }

        /** {@code line[0..n)}: a whole line, or its first or a later part when it is longer than 998 octets. */
        void piece(int n, boolean lineStart, boolean endOfLine) throws IOException {
            for (int i = 0; i < n; i++) if (line[i] < 0) eightBit = true;
            if (inHeaders && lineStart) {
                boolean first = firstLine;
                firstLine = false;
                if (first && startsWith("From ", n)) {
                    field = "\0mbox"; // dropped with its continuation pieces
                    return;
                }
                if (n == 0) {
                    endHeaders();
                    return;
                }
                if (line[0] == ' ' || line[0] == '\t') {
                    if (field == null) {
                        endHeaders(); // a continuation with nothing to continue: body text
                    } else {
                        header(n, false, true, endOfLine);
                        return;
                    }
                } else {
                    int colon = fieldNameEnd(n);
                    if (colon < 0) {
                        endHeaders();
                    } else {
                        field = new String(line, 0, colon, StandardCharsets.US_ASCII).strip().toLowerCase(Locale.ROOT);
                        switch (field) {
                            case "from" -> sawFrom = true;
                            case "date" -> sawDate = true;
                            case "message-id" -> sawMessageId = true;
                            default -> { }
                        }
                        header(n, true, true, endOfLine);
                        return;
                    }
                }
            } else if (inHeaders) {
                header(n, false, false, endOfLine);
                return;
            }
            body(n, lineStart, endOfLine);
        }

        void header(int n, boolean fieldStart, boolean lineStart, boolean endOfLine) throws IOException {
            boolean addresses = field.equals("to") || field.equals("cc") || field.equals("bcc");
            if (extractRecipients && addresses) {
                int from = 0;
                if (fieldStart) from = fieldNameEnd(n) + 1;
                if (addressText.length() + n > MAX_ADDRESS_TEXT) {
                    throw new BadInputException("the To:, Cc: and Bcc: headers hold over " + MAX_ADDRESS_TEXT / 1024 + " KiB of addresses");
                }
                if (fieldStart && !addressText.isEmpty()) addressText.append(',');
                addressText.append(new String(line, from, n - from, StandardCharsets.UTF_8));
            }
            if (field.equals("bcc") || field.equals("\0mbox")) return; // RFC 5322 3.6.3: Bcc is not passed on
            body(n, lineStart, endOfLine);
        }

        void body(int n, boolean lineStart, boolean endOfLine) throws IOException {
            if (!lineStart) out.write(new byte[] {'\r', '\n', ' '}); // a line over 998 octets, broken as Postfix does
            out.write(line, 0, n);
            if (endOfLine) out.write(CRLF);
        }

        /** The header section ends: the added fields, then the empty line. */
        void endHeaders() throws IOException {
            inHeaders = false;
            field = null;
            List<String> add = new ArrayList<>(3);
            if (!sawFrom) add.add(additions.from());
            if (!sawDate) add.add(additions.date());
            if (!sawMessageId) add.add(additions.messageId());
            for (String h : add) {
                out.write(h.getBytes(StandardCharsets.UTF_8));
                out.write(CRLF);
            }
            out.write(CRLF); // the empty line, whether the input had it (consumed) or not
        }

        /** Where the colon of a header field name ends it, or -1 if the line is no header field. */
        int fieldNameEnd(int n) {
            for (int i = 0; i < n; i++) {
                byte c = line[i];
                if (c == ':') return i == 0 ? -1 : i;
                if (c == ' ' || c == '\t') {
                    // RFC 5322 4.5 (obsolete): white space may come between the name and the colon
                    for (int k = i; k < n; k++) {
                        if (line[k] == ':') return k;
                        if (line[k] != ' ' && line[k] != '\t') return -1;
                    }
                    return -1;
                }
                if (c < 33 || c > 126) return -1;
            }
            return -1;
        }

        boolean startsWith(String prefix, int n) {
            if (n < prefix.length()) return false;
            for (int i = 0; i < prefix.length(); i++) if (line[i] != prefix.charAt(i)) return false;
            return true;
        }

        List<String> recipients() throws BadInputException {
            if (addressText.isEmpty()) return List.of();
            try {
                return AddressList.parse(addressText.toString());
            } catch (IllegalArgumentException e) {
                throw new BadInputException("cannot read the recipients in To:, Cc: or Bcc: " + e.getMessage());
            }
        }
    }
}
