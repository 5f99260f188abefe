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

    static HeloName literal(String word) {
        if (!word.endsWith("]") || word.length() < 3) {
            return new HeloName.AddressLiteral(word, "", Optional.empty(), Optional.of("the literal is not closed by ]"));
        }
        String inside = word.substring(1, word.length() - 1);
        if (dottedQuad(inside)) {
            return new HeloName.AddressLiteral(word, "", numeric(inside), Optional.empty());
        }
        int colon = inside.indexOf(':');
        if (colon > 0 && inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            Optional<InetAddress> v6 = numeric(inside.substring(5)).filter(a -> inside.substring(5).contains(":"));
            return new HeloName.AddressLiteral(word, "ipv6", v6,
                    v6.isPresent() ? Optional.empty() : Optional.of("the IPv6 address is malformed"));
        }
        Optional<InetAddress> untagged = numeric(inside).filter(a -> inside.contains(":"));
        if (untagged.isPresent()) {
            return new HeloName.AddressLiteral(word, "ipv6", untagged, Optional.empty());
        }
        if (colon > 0 && GENERAL_TAG.matcher(inside.substring(0, colon)).matches()
                && DCONTENT.matcher(inside.substring(colon + 1)).matches()) {
            return new HeloName.AddressLiteral(word, inside.substring(0, colon).toLowerCase(Locale.ROOT),
                    Optional.empty(), Optional.empty());
        }
        return new HeloName.AddressLiteral(word, "", Optional.empty(),
                Optional.of("it is neither [IPv4], [IPv6:address] nor [tag:content]"));
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
