package warden.queue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The spool's encoding of one field ({@code envid}, {@code orcpt}, a host name) as one token
 * without spaces, line breaks or angle brackets: RFC 3461 xtext, widened to any text. Unlike
 * {@link warden.dsn.XText} (the strict xtext of the SMTP dialogue, printable ASCII only), it takes
 * a UTF-8 ORCPT or a peer's host name with control characters, and gives them back unchanged.
 *
 * <p>Encoding is stricter than the RFC requires: besides {@code +}, {@code =} and everything
 * outside {@code !}..{@code ~}, {@code <} and {@code >} are written as {@code +XX} too, so an
 * envelope line's address (in angle brackets) is never confused with its parameters. Decoding
 * accepts any {@code +XX}. Non-ASCII text is encoded as its UTF-8 octets.
 *
 * <h2>Standards</h2>
 * RFC 3461 section 4 (xtext).
 */
final class FieldText {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private FieldText() {}

    static String encode(String text) {
        StringBuilder b = new StringBuilder(text.length() + 8);
        for (byte o : text.getBytes(StandardCharsets.UTF_8)) {
            int c = o & 0xff;
            if (c >= '!' && c <= '~' && c != '+' && c != '=' && c != '<' && c != '>') {
                b.append((char) c);
            } else {
                b.append('+').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return b.toString();
    }

    /** @throws IllegalArgumentException if a {@code +} is not followed by two hex digits */
    static String decode(String xtext) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length()) throw new IllegalArgumentException("'+' without two hex digits in " + xtext);
                int hi = Character.digit(xtext.charAt(i + 1), 16);
                int lo = Character.digit(xtext.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) throw new IllegalArgumentException("'+' without two hex digits in " + xtext);
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                int cp = xtext.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
