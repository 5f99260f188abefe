package warden.policy.helo;

import warden.mail.ClientText;
import warden.policy.SessionSnapshot;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The argument of a HELO or EHLO command, parsed once into what it claims to be: nothing, a host
 * name, an address literal, or a bare IP address.
 *
 * <p>Every HELO check reads this instead of the raw string, so that case, one trailing dot and
 * the {@code IPv6:} tag are handled in one place (the peers' case-sensitivity bugs: Haraka's
 * {@code GMAIL.COM} bypass and {@code [IPV6:} literal). Only the first word is parsed; later words
 * are kept in {@code extra} (RFC 5321 section 4.1.4 lets a literal be followed by information).
 * No DNS is ever consulted: an address is only built from text that is already numeric.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.1 ({@code ehlo = "EHLO" SP ( Domain / address-literal )}), section 4.1.2
 * ({@code Domain}, {@code sub-domain}, {@code Let-dig}, {@code Ldh-str}), section 4.1.3 (address
 * literals, {@code General-address-literal}), section 4.5.3.1.2 (255 octets); RFC 1035 section 2.3.4
 * (63 octets a label).
 *
 * <p>Address literals follow RFC 5321 section 4.1.3 to the letter ({@link HeloGrammar#literal}):
 * {@code [192.0.2.001]} is valid (an {@code Snum} is 1 to 3 digits), while {@code [2001:db8::1]}
 * (no {@code IPv6:} tag), {@code [::]} and {@code [IPv6:1:2:3:4:5:6:7::]} (seven groups and a
 * {@code ::}) are not.
 *
 * <h2>Leniency</h2>
 * The underscore is accepted in labels: RFC-invalid but sent by real Windows clients (Postfix's
 * rejections of it are a recurring complaint), and no forgery.
 */
public sealed interface HeloName {

    /** The argument as sent (first word), for messages. */
    String raw();

    /** No argument at all. */
    record Empty() implements HeloName {
        @Override public String raw() { return ""; }
    }

    /**
     * Anything not bracketed and not an IP address: a host name, valid or not.
     *
     * @param raw the word as sent
     * @param name lower-cased, with one trailing dot removed
     * @param trailingDot whether the word ended in a dot
     */
    record Hostname(String raw, String name, boolean trailingDot) implements HeloName {

        /** The labels of {@code name}; empty labels included, so {@code a..b} has three. */
        public List<String> labels() {
            return List.of(name.split("\\.", -1));
        }

        /** Whether the name has more than one label (a trailing dot does not count). */
        public boolean qualified() {
            return name.indexOf('.') > 0 && name.indexOf('.') < name.length() - 1;
        }

        /**
         * Whether the name is {@code localhost} or a name under it: every host's name for itself
         * (RFC 6761 section 6.3), so never a claim to be us, even where {@code localhost} is one of
         * our mail domains; {@code helo-bogus-name} judges it.
         */
        public boolean localhost() {
            return name.equals("localhost") || name.endsWith(".localhost");
        }

        /** Whether the name is worth a DNS question: valid syntax and more than one label. */
        public boolean lookupWorthy() {
            return qualified() && syntaxError().isEmpty();
        }

        /** Why the name is not an RFC 5321 {@code Domain}, or empty if it is one. */
        public Optional<String> syntaxError() {
            if (name.length() > 255) return Optional.of("it is longer than 255 characters");
            // Label by label, in place: every greeting is checked, and splitting it into strings
            // to match each against a pattern was a good part of the cost of a verdict.
            for (int start = 0, end; start <= name.length(); start = end + 1) {
                end = name.indexOf('.', start);
                if (end < 0) end = name.length();
                String why = HeloGrammar.labelError(name, start, end);
                if (why != null) return Optional.of(why);
            }
            return Optional.empty();
        }
    }

    /**
     * An address literal in brackets.
     *
     * @param raw the word as sent
     * @param tag {@code ""} for IPv4, {@code ipv6} (lower-cased) or a general tag
     * @param address the address, empty for a general literal or a malformed one
     * @param error why it is not a valid literal, empty if it is valid
     */
    record AddressLiteral(String raw, String tag, Optional<InetAddress> address, Optional<String> error)
            implements HeloName {}

    /** A bare IP address without brackets, such as {@code 192.0.2.1} or {@code 2001:db8::1}. */
    record BareAddress(String raw, InetAddress address) implements HeloName {}

    /** The part of the argument after the first word, trimmed; empty if none. */
    static String extra(String argument) {
        String trimmed = argument.strip();
        int space = HeloGrammar.indexOfSpace(trimmed);
        return space < 0 ? "" : trimmed.substring(space).strip();
    }

    /** The snapshot's greeting argument, parsed; {@link Empty} before any greeting. */
    static HeloName of(SessionSnapshot snapshot) {
        return HeloGrammar.parsedOnce(snapshot.heloName().orElse(""));
    }

    /** Parses a HELO/EHLO argument as sent. */
    static HeloName parse(String argument) {
        String trimmed = argument.strip();
        if (trimmed.isEmpty()) return new Empty();
        int space = HeloGrammar.indexOfSpace(trimmed);
        String word = space < 0 ? trimmed : trimmed.substring(0, space);
        if (word.startsWith("[")) return HeloGrammar.literal(word);
        Optional<InetAddress> bare = HeloGrammar.numeric(word);
        if (bare.isPresent()) return new BareAddress(word, bare.get());
        String lower = word.toLowerCase(Locale.ROOT);
        boolean dot = lower.endsWith(".") && lower.length() > 1;
        return new Hostname(word, dot ? lower.substring(0, lower.length() - 1) : lower, dot);
    }

    /** Text for messages and headers: printable ASCII only, at most 80 characters, quoted. */
    default String shown() {
        return quote(raw());
    }

    /**
     * {@code text} made safe for a reply, a log line or a header: printable ASCII, 80 characters,
     * quoted. Control and non-ASCII characters are escaped as the main log escapes a client's text
     * ({@code \x1b}, {@code \xe9}: {@link ClientText#ascii}), a {@code "} as {@code \x22} so the
     * quotes stay balanced.
     */
    static String quote(String text) {
        if (text.length() <= 80 && safe(text)) return "\"" + text + "\""; // the usual case: one copy
        return "\"" + ClientText.ascii(text, 80).replace("\"", "\\x22") + "\"";
    }

    private static boolean safe(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f || c == '"') return false;
        }
        return true;
    }
}
