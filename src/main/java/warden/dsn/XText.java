package warden.dsn;

import java.util.Optional;

/**
 * The {@code xtext} encoding of DSN parameter values ({@code ENVID}, the address of {@code ORCPT}):
 * printable US-ASCII stands for itself, except {@code +} and {@code =}; any other octet is
 * {@code +} and two upper-case hex digits.
 *
 * <p>Values here are US-ASCII strings; a decoded octet outside {@code %x20-7E} (a control, a
 * line break, an 8-bit octet) is refused, so a decoded value can be written into a log line, a
 * spool envelope line or a report field as it is.
 *
 * <h2>Standards</h2>
 * RFC 3461 section 4 ({@code xtext}, {@code xchar}, {@code hexchar}: hex digits upper case only).
 *
 * <p>Not done: RFC 6533's {@code utf-8-addr-xtext} ({@code \x{HEX}}) for {@code ORCPT=utf-8;...};
 * such a value is taken as plain xtext, its backslashes as they are.
 */
public final class XText {

    private XText() {}

    /**
     * Decodes {@code xtext}; empty when it is not valid xtext (a {@code +} without two upper-case
     * hex digits, a character outside {@code !}..{@code ~}, a bare {@code =}) or decodes to an octet
     * outside printable US-ASCII and space.
     */
    public static Optional<String> decode(String xtext) {
        StringBuilder b = new StringBuilder(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length()) return Optional.empty();
                int hi = hex(xtext.charAt(i + 1));
                int lo = hex(xtext.charAt(i + 2));
                if (hi < 0 || lo < 0) return Optional.empty();
                int octet = hi * 16 + lo;
                if (octet < 0x20 || octet > 0x7e) return Optional.empty();
                b.append((char) octet);
                i += 2;
            } else if (c < '!' || c > '~' || c == '=') {
                return Optional.empty();
            } else {
                b.append(c);
            }
        }
        return Optional.of(b.toString());
    }

    /**
     * Encodes {@code value}, which must be printable US-ASCII and space (what {@link #decode} gives).
     *
     * @throws IllegalArgumentException for any other character
     */
    public static String encode(String value) {
        StringBuilder b = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) throw new IllegalArgumentException("not printable US-ASCII: U+" + Integer.toHexString(c));
            if (c == '+' || c == '=' || c == ' ') {
                b.append('+').append(HEX[c >> 4]).append(HEX[c & 15]);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
