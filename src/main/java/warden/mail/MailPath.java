package warden.mail;

/**
 * A reverse-path or forward-path from MAIL FROM or RCPT TO, parsed per RFC 5321 section 4.1.2
 * (with RFC 6531 UTF-8 when SMTPUTF8 was given).
 *
 * <p>Accepts {@code <local@domain>}, the null path {@code <>} (MAIL only), {@code <postmaster>}
 * (RCPT only, RFC 5321 4.5.1), and source routes {@code <@a,@b:local@domain>}, whose route is
 * ignored as RFC 5321 section 4.1.1.3 and appendix C advise. The domain may be an address literal.
 *
 * @param localPart the local part as sent (quoted forms keep their quotes)
 * @param domain the domain with its ASCII letters lowered ({@link AsciiCase}), or empty for the null path and bare postmaster
 */
public record MailPath(String localPart, String domain) {

    public static final MailPath NULL = new MailPath("", "");

    /** The address without brackets: {@code local@domain}, {@code ""} for the null path. */
    public String address() {
        if (localPart.isEmpty()) return "";
        return domain.isEmpty() ? localPart : localPart + "@" + domain;
    }

    public boolean isNull() { return localPart.isEmpty(); }

    @Override
    public String toString() { return "<" + address() + ">"; }

    /**
     * Parses the text between angle brackets (brackets included).
     *
     * @param text e.g. {@code <alice@example.org>}
     * @param utf8 whether non-ASCII characters are allowed (SMTPUTF8)
     * @throws IllegalArgumentException naming what is wrong
     */
    public static MailPath parse(String text, boolean utf8) {
        if (text.length() < 2 || text.charAt(0) != '<' || text.charAt(text.length() - 1) != '>') {
            throw new IllegalArgumentException("the address must be enclosed in <>");
        }
        String inner = text.substring(1, text.length() - 1);
        if (inner.isEmpty()) return NULL;
        if (inner.startsWith("@")) {
            int colon = inner.indexOf(':');
            if (colon < 0) throw new IllegalArgumentException("source route without ':'");
            inner = inner.substring(colon + 1);
        }
        if (!utf8) {
            for (int i = 0; i < inner.length(); i++) {
                if (inner.charAt(i) > 127) throw new NonAsciiException();
            }
        } else {
            for (int i = 0; i < inner.length(); i++) {
                if (inner.charAt(i) > 127 && unusable(inner.charAt(i))) {
                    throw new IllegalArgumentException("the address contains a control or line-separator character");
                }
            }
        }
        int at = lastAtOutsideQuotes(inner);
        if (at < 0) {
            if (AsciiCase.equalsIgnoreCase(inner, "postmaster")) return new MailPath("postmaster", "");
            throw new IllegalArgumentException("the address has no domain");
        }
        String local = inner.substring(0, at);
        String domain = inner.substring(at + 1);
        if (local.isEmpty() || local.length() > 64) throw new IllegalArgumentException("bad local part length");
        if (!validLocal(local)) throw new IllegalArgumentException("bad local part syntax");
        if (!validDomain(domain)) throw new IllegalArgumentException("bad domain syntax");
        if (inner.length() > 254) throw new IllegalArgumentException("the address is too long");
        return new MailPath(canonicalLocal(local), AsciiCase.lower(domain));
    }

    /** Thrown for a non-ASCII address without SMTPUTF8 (RFC 6531 section 3.5: 553 5.6.7). */
    public static final class NonAsciiException extends IllegalArgumentException {
        public NonAsciiException() {
            super("non-ASCII address without SMTPUTF8");
        }
    }

    private static int lastAtOutsideQuotes(String s) {
        boolean quoted = false;
        int at = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (c == '@' && !quoted) at = i;
        }
        return at;
    }

    private static boolean validLocal(String local) {
        if (local.startsWith("\"")) {
            if (local.length() < 2 || !local.endsWith("\"")) return false;
            for (int i = 1; i < local.length() - 1; i++) {
                char c = local.charAt(i);
                if (c == '\\') {
                    // RFC 5321 4.1.2: quoted-pairSMTP = %d92 %d32-126 (RFC 6531 does not widen it);
                    // the closing quote cannot be the escaped character.
                    if (i + 1 >= local.length() - 1) return false;
                    char escaped = local.charAt(++i);
                    if (escaped < 32 || escaped > 126) return false;
                    continue;
                }
                if (c == '"' || c < 32 || c == 127) return false;
            }
            return true;
        }
        // Dot-string: atoms separated by single dots (RFC 5321 4.1.2)
        String[] atoms = local.split("\\.", -1);
        for (String atom : atoms) {
            if (atom.isEmpty()) return false;
            for (int i = 0; i < atom.length(); i++) {
                if (!atext(atom.charAt(i))) return false;
            }
        }
        return true;
    }

    /**
     * The local part in its plainest form: a quoted string whose content is a valid Dot-string
     * ({@code "bob"}, {@code "b\\ob.x"}) is the same mailbox as that Dot-string (RFC 5322 3.4.1:
     * the quoting is "semantically invisible"; RFC 5321 4.1.2 asks hosts not to need the quoted
     * form), so it is routed, greylisted and logged as {@code bob}, as Postfix does with its
     * internal form. A quoted string that needs its quotes ({@code "john smith"}) keeps them.
     */
    static String canonicalLocal(String local) {
        if (!local.startsWith("\"")) return local;
        StringBuilder plain = new StringBuilder(local.length());
        for (int i = 1; i < local.length() - 1; i++) {
            char c = local.charAt(i);
            if (c == '\\') c = local.charAt(++i);
            plain.append(c);
        }
        String unquoted = plain.toString();
        return !unquoted.isEmpty() && validLocal(unquoted) ? unquoted : local;
    }

    /**
     * A non-ASCII character no address may hold, even under SMTPUTF8: C1 controls and the Unicode
     * line and paragraph separators (RFC 5198 section 2, Net-Unicode: control characters other
     * than CR LF are not to be used; U+2028/2029 break lines in some readers). They would reach
     * Return-path and Envelope-to raw. (ASCII controls are refused by the grammar already.)
     */
    private static boolean unusable(char c) {
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
    }

    private static boolean atext(char c) {
        if (c > 127) return true; // only reachable with SMTPUTF8 (RFC 6531 UTF8-non-ascii)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }

    /** A domain name or an address literal, as RFC 5321 4.1.2 allows in a path. */
    public static boolean validDomain(String domain) {
        if (domain.isEmpty() || domain.length() > 255) return false;
        if (domain.startsWith("[")) {
            if (!domain.endsWith("]")) return false;
            String lit = domain.substring(1, domain.length() - 1);
            if (lit.regionMatches(true, 0, "IPv6:", 0, 5)) return Cidr.literal(lit.substring(5)) != null && lit.substring(5).contains(":");
            return Cidr.literal(lit) != null && !lit.contains(":");
        }
        String[] labels = domain.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63) return false;
            if (label.startsWith("-") || label.endsWith("-")) return false;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c > 127;
                if (!ok) return false;
            }
        }
        return true;
    }
}
