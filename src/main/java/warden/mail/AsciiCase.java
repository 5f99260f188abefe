package warden.mail;

/**
 * Case folding of ASCII letters only, for local parts and domain names.
 *
 * <p>{@link String#toLowerCase} and {@link String#equalsIgnoreCase} fold by Unicode rules, under
 * which KELVIN SIGN (U+212A) lowers to {@code k} and LATIN SMALL LETTER LONG S (U+017F) uppers
 * to {@code S}: <code>"&#92;u212Aevin"</code> would reach the mailbox {@code kevin} and <code>"po&#92;u017Ftmaster"</code>
 * would be the postmaster. Here only {@code A-Z} fold; every other character stays as sent, so a
 * non-ASCII local part can never be taken for an ASCII one.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 2.4 (local parts are case-sensitive; a host may fold them, and Warden folds
 * ASCII), RFC 6531 section 3.2 (no case folding of UTF-8 local parts is defined).
 */
public final class AsciiCase {

    private AsciiCase() {}

    /** {@code text} with {@code A-Z} lowered and every other character as it is. */
    public static String lower(String text) {
        int i = 0;
        while (i < text.length() && !(text.charAt(i) >= 'A' && text.charAt(i) <= 'Z')) i++;
        if (i == text.length()) return text;
        char[] c = text.toCharArray();
        for (; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') c[i] = (char) (c[i] + ('a' - 'A'));
        }
        return new String(c);
    }

    /** Whether {@code a} and {@code b} are equal when only ASCII letters are folded. */
    public static boolean equalsIgnoreCase(String a, String b) {
        return a.length() == b.length() && lower(a).equals(lower(b));
    }
}
