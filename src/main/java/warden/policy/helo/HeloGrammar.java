package warden.policy.helo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The RFC 5321 grammar pieces behind {@link HeloName#parse}, kept out of its public face. */
final class HeloGrammar {

    private HeloGrammar() {}

    static final Pattern GENERAL_TAG = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");
    static final Pattern DCONTENT = Pattern.compile("[\\x21-\\x5a\\x5e-\\x7e]+");

    /** A greeting and its parse. */
    private record Parsed(String argument, HeloName name) {}

    private static volatile Parsed last = new Parsed("", new HeloName.Empty());

    /**
     * {@link HeloName#parse}, remembering the last greeting: every HELO check of one decision
     * parses the same argument, and parsing it once instead of a dozen times is most of the
     * cost of a verdict. Safe from any thread: parsing is a pure function and the pair is
     * immutable, so a stale or overwritten entry only costs a new parse.
     */
    static HeloName parsedOnce(String argument) {
        Parsed p = last;
        if (p.argument().equals(argument)) return p.name();
        HeloName name = HeloName.parse(argument);
        last = new Parsed(argument, name);
        return name;
    }

    /**
     * Parses a bracketed word by RFC 5321 section 4.1.3: {@code IPv4-address-literal},
     * {@code "IPv6:" IPv6-addr} or a {@code General-address-literal}. An IPv6 address without its
     * {@code IPv6:} tag is not one of them.
     */
    static HeloName literal(String word) {
        if (!word.endsWith("]") || word.length() < 3) {
            return new HeloName.AddressLiteral(word, "", Optional.empty(), Optional.of("the literal is not closed by ]"));
        }
        String inside = word.substring(1, word.length() - 1);
        Optional<InetAddress> v4 = ipv4Literal(inside);
        if (v4.isPresent()) {
            return new HeloName.AddressLiteral(word, "", v4, Optional.empty());
        }
        int colon = inside.indexOf(':');
        if (colon >= 0 && inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            Optional<InetAddress> v6 = ipv6Literal(inside.substring(5));
            return new HeloName.AddressLiteral(word, "ipv6", v6,
                    v6.isPresent() ? Optional.empty() : Optional.of("the IPv6 address is malformed"));
        }
        if (numeric(inside).isPresent() && inside.indexOf(':') >= 0) {
            return new HeloName.AddressLiteral(word, "", Optional.empty(),
                    Optional.of("an IPv6 address needs the IPv6: tag, as in [IPv6:" + inside + "]"));
        }
        if (colon > 0 && GENERAL_TAG.matcher(inside.substring(0, colon)).matches()
                && DCONTENT.matcher(inside.substring(colon + 1)).matches()) {
            return new HeloName.AddressLiteral(word, inside.substring(0, colon).toLowerCase(Locale.ROOT),
                    Optional.empty(), Optional.empty());
        }
        return new HeloName.AddressLiteral(word, "", Optional.empty(),
                Optional.of("it is neither [IPv4], [IPv6:address] nor [tag:content]"));
    }

    /**
     * The address of an RFC 5321 {@code IPv4-address-literal}: {@code Snum 3("." Snum)}, where
     * {@code Snum = 1*3DIGIT} with a value of at most 255, so leading zeros are allowed
     * ({@code 192.0.2.001}) and mean nothing octal.
     */
    static Optional<InetAddress> ipv4Literal(String s) {
        byte[] octets = new byte[4];
        int i = 0;
        for (int field = 0; field < 4; field++) {
            if (field > 0) {
                if (i == s.length() || s.charAt(i) != '.') return Optional.empty();
                i++;
            }
            int start = i;
            int value = 0;
            while (i < s.length() && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') value = value * 10 + (s.charAt(i++) - '0');
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255) return Optional.empty();
            octets[field] = (byte) value;
        }
        if (i != s.length()) return Optional.empty();
        return Optional.of(address(octets));
    }

    /**
     * The address of an RFC 5321 {@code IPv6-addr}, by its grammar and not by what a parser
     * tolerates:
     * <pre>
     * IPv6-full   = IPv6-hex 7(":" IPv6-hex)
     * IPv6-comp   = [IPv6-hex *5(":" IPv6-hex)] "::" [IPv6-hex *5(":" IPv6-hex)]
     *               ; no more than 6 groups in addition to the "::"
     * IPv6v4-full = IPv6-hex 5(":" IPv6-hex) ":" IPv4-address-literal
     * IPv6v4-comp = [IPv6-hex *3(":" IPv6-hex)] "::" [IPv6-hex *3(":" IPv6-hex) ":"] IPv4-address-literal
     *               ; no more than 4 groups in addition to the "::" and the IPv4 address
     * IPv6-hex    = 1*4HEXDIG
     * </pre>
     * so {@code 1:2:3:4:5:6:7::} (seven groups and a {@code ::}) is not an address, though
     * {@code InetAddress} reads it as one.
     */
    static Optional<InetAddress> ipv6Literal(String s) {
        byte[] v4 = null;
        String hex = s;
        if (s.indexOf('.') >= 0) {
            int last = s.lastIndexOf(':');
            if (last < 0 || s.indexOf('.') < last) return Optional.empty();
            Optional<InetAddress> tail = ipv4Literal(s.substring(last + 1));
            if (tail.isEmpty()) return Optional.empty();
            v4 = tail.get().getAddress();
            // "...::192.0.2.1" keeps its "::"; "...:6:192.0.2.1" loses the separating colon
            hex = last > 0 && s.charAt(last - 1) == ':' ? s.substring(0, last + 1) : s.substring(0, last);
        }
        int groupsWanted = v4 == null ? 8 : 6;
        int[] left;
        int[] right;
        int gap = hex.indexOf("::");
        if (gap < 0) {
            left = groups(hex);
            right = new int[0];
            if (left == null || left.length != groupsWanted) return Optional.empty();
        } else {
            if (hex.indexOf("::", gap + 1) >= 0) return Optional.empty();
            left = groups(hex.substring(0, gap));
            right = groups(hex.substring(gap + 2));
            if (left == null || right == null || left.length + right.length > groupsWanted - 2) return Optional.empty();
        }
        byte[] bytes = new byte[16];
        for (int g = 0; g < left.length; g++) put(bytes, g, left[g]);
        for (int g = 0; g < right.length; g++) put(bytes, groupsWanted - right.length + g, right[g]);
        if (v4 != null) System.arraycopy(v4, 0, bytes, 12, 4);
        return Optional.of(address(bytes));
    }

    /** The {@code IPv6-hex} groups of {@code text} separated by single colons; empty text has none; null if malformed. */
    private static int[] groups(String text) {
        if (text.isEmpty()) return new int[0];
        String[] parts = text.split(":", -1);
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4) return null;
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (d < 0) return null; // HEXDIG is ASCII only (Character.digit would take other scripts' digits)
                v = v * 16 + d;
            }
            values[i] = v;
        }
        return values;
    }

    private static void put(byte[] bytes, int group, int value) {
        bytes[2 * group] = (byte) (value >> 8);
        bytes[2 * group + 1] = (byte) value;
    }

    private static InetAddress address(byte[] bytes) {
        try {
            // Raw octets: no name lookup. An IPv4-mapped IPv6 address comes back as the IPv4 address.
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of " + bytes.length + " octets", e);
        }
    }

    /** The address written in {@code text}, without any DNS: only dotted quads and IPv6 text qualify. */
    static Optional<InetAddress> numeric(String text) {
        // Most greetings are names: a text without a colon that is not all digits and dots can
        // match neither pattern, and is turned away without running them.
        if (text.indexOf(':') < 0 && !digitsAndDots(text)) return Optional.empty();
        if (!dottedQuad(text) && !ipv6Chars(text)) return Optional.empty();
        try {
            // Safe: the text is a dotted quad or contains a colon, so no name lookup happens.
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /**
     * Why {@code name.substring(start, end)}, a label of a lower-cased name, is not an RFC 1035
     * label (letters, digits and inner hyphens, at most 63), or null if it is one.
     */
    static String labelError(String name, int start, int end) {
        if (start == end) return "it has an empty label";
        if (end - start > 63) return "a label is longer than 63 characters";
        if (name.charAt(start) == '-' || name.charAt(end - 1) == '-') return "a label starts or ends with a hyphen";
        for (int i = start; i < end; i++) {
            char c = name.charAt(i);
            // XXX the underscore is RFC-invalid in a host name, accepted because Windows hosts send it
            boolean letterOrDigit = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
            if (!letterOrDigit && c != '-') return "it has characters other than letters, digits, hyphens and dots";
        }
        return null;
    }

    /**
     * Whether {@code s} is a dotted quad: four decimal numbers up to 255 without leading zeros,
     * {@code (25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}}, scanned
     * by hand because every literal and number-like greeting is tested.
     */
    static boolean dottedQuad(String s) {
        int i = 0;
        for (int field = 0; field < 4; field++) {
            if (field > 0) {
                if (i == s.length() || s.charAt(i) != '.') return false;
                i++;
            }
            int start = i;
            int value = 0;
            while (i < s.length() && i - start < 4 && s.charAt(i) >= '0' && s.charAt(i) <= '9') value = value * 10 + (s.charAt(i++) - '0');
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || (digits > 1 && s.charAt(start) == '0')) return false;
        }
        return i == s.length();
    }

    /** Whether {@code s} has only hex digits, colons and dots, and at least one colon: {@code [0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*}. */
    static boolean ipv6Chars(String s) {
        boolean colon = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            colon |= c == ':';
            boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (!hex && c != ':' && c != '.') return false;
        }
        return colon;
    }

    private static boolean digitsAndDots(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && c != '.') return false;
        }
        return true;
    }

    static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) return i;
        }
        return -1;
    }
}
