package warden.outbound;

import java.nio.charset.StandardCharsets;

/**
 * The xtext encoding of DSN parameter values ({@code ENVID=}, the address of {@code ORCPT=}).
 *
 * <h2>Standards</h2>
 * RFC 3461 section 4: {@code "!"} to {@code "~"} as themselves except {@code "+"} and {@code "="},
 * every other octet (of the UTF-8 form) as {@code "+"} and two upper-case hex digits.
 */
final class Xtext {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Xtext() {}

    static String encode(String text) {
        StringBuilder b = new StringBuilder(text.length() + 8);
        for (byte x : text.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= '!' && c <= '~' && c != '+' && c != '=') {
                b.append((char) c);
            } else {
                b.append('+').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return b.toString();
    }
}
