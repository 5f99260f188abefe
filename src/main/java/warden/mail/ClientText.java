package warden.mail;

/**
 * Text a client sent (a HELO name, an address, a command argument), made safe to put in a main
 * log line or a reply line: every character that is not printable is written as an escape.
 *
 * <p>The escape form is that of Python string literals: {@code \xhh} for a code point below
 * U+0100 (C0 controls such as {@code \x00}, {@code \x0d}, {@code \x1b}, DEL {@code \x7f}, C1
 * controls {@code \x80}..{@code \x9f}, NBSP {@code \xa0}), <code>&#92;uhhhh</code> for the rest of the
 * BMP (<code>&#92;u2028</code>, <code>&#92;u202e</code>, a lone surrogate <code>&#92;udc80</code>) and {@code \Uhhhhhhhh}
 * above it, with lower-case hex digits. A backslash itself is not escaped, so escaping is
 * idempotent: text already escaped passes through unchanged, and the main log can apply it again
 * as a last line of defence to every line.
 *
 * <p>Not printable, so escaped: Unicode general categories Cc (C0, DEL, C1 controls, including
 * TAB, CR, LF, VT, FF), Cf (format characters: bidi overrides, zero-width spaces, soft hyphen,
 * BOM), Zl and Zp (U+2028, U+2029), Cs (lone surrogates), Co (private use), Cn (unassigned), and
 * Zs other than the ASCII space (no-break and other look-alike spaces).
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.2 (a reply line is text; a CR or LF would end it and inject another),
 * RFC 6531 (UTF-8 addresses: printable non-ASCII letters stay as they are where the output is UTF-8).
 */
public final class ClientText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private ClientText() {}

    /** {@code text} with every non-printable character escaped; printable non-ASCII is kept. */
    public static String escape(String text) {
        return escape(text, false, Integer.MAX_VALUE);
    }

    /**
     * {@code text} as printable ASCII: non-printable and non-ASCII characters escaped, cut after
     * {@code max} characters of output with {@code ...} (for replies to a client that may not
     * read UTF-8, and to keep a reply line under 512 octets).
     */
    public static String ascii(String text, int max) {
        return escape(text, true, max);
    }

    private static String escape(String text, boolean asciiOnly, int max) {
        if (clean(text, asciiOnly) && text.length() <= max) return text; // the usual case: no copy
        StringBuilder b = new StringBuilder((int) Math.min(text.length() + 16L, max + 3L));
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int mark = b.length();
            if (printable(cp) && (!asciiOnly || cp < 0x80)) {
                b.appendCodePoint(cp);
            } else if (cp < 0x100) {
                b.append("\\x").append(HEX[cp >> 4]).append(HEX[cp & 0xf]);
            } else if (cp < 0x10000) {
                b.append("\\u");
                hex(b, cp, 4);
            } else {
                b.append("\\U");
                hex(b, cp, 8);
            }
            if (b.length() > max) {
                b.setLength(mark);
                b.append("...");
                break;
            }
        }
        return b.toString();
    }

    private static void hex(StringBuilder b, int value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) b.append(HEX[(value >> shift) & 0xf]);
    }

    private static boolean clean(String text, boolean asciiOnly) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f) continue;
            if (asciiOnly) return false;
            int cp = text.codePointAt(i);
            if (!printable(cp)) return false;
            if (cp > 0xffff) i++;
        }
        return true;
    }

    /** Whether a code point may appear in a log or reply line as itself. */
    static boolean printable(int cp) {
        if (cp >= 0x20 && cp < 0x7f) return true;
        if (cp < 0xa1) return false; // C0, DEL, C1, NBSP
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
