package warden.door.greylistd;

import warden.mail.AsciiCase;
import warden.mail.ClientText;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One greylistd request, parsed as greylistd 0.9's {@code runCommand} parses it: the whole text
 * lower-cased and split on whitespace; a first word that names a verb is the verb, any other
 * first word makes the verb {@code update} with every word as data; then the leading words
 * starting with {@code -} are options, their dashes stripped ({@code --grey} is {@code -grey} is
 * {@code grey}); what remains is the data.
 *
 * <p>Whitespace is Python's {@code str.split()} set in ASCII: space, TAB, LF, VT, FF, CR and the
 * four information separators {@code \x1c}..{@code \x1f}. Only ASCII letters are lower-cased
 * (greylistd decodes the request as ASCII, so it never sees other letters; we keep UTF-8
 * addresses of RFC 6531 as they are, and different ones stay different). A word with any other
 * control character is escaped ({@link ClientText#escape}), so no key in the shared store and no
 * line of {@code greylist list} carries a raw control character.
 *
 * <h2>Standards</h2>
 * greylistd(8) 0.9 (Debian 0.9.0.2), read from its source and run: verbs, arity errors
 * ({@code Missing argument}, {@code Too many arguments}) and the order they are checked in.
 *
 * @param verb the verb, lower case
 * @param options the options, dashes stripped, in order
 * @param data the data words
 */
public record GreylistdRequest(Verb verb, List<String> options, List<String> data) {

    /** greylistd's verbs, with the arguments each takes. */
    public enum Verb {
        ADD(true), DELETE(true), CHECK(true), UPDATE(true), STATUS(true),
        STATS(false), LIST(false), CLEAR(false), SAVE(false), RELOAD(false), MRTG(false);

        private final boolean takesData;

        Verb(boolean takesData) {
            this.takesData = takesData;
        }

        /** Whether the verb needs data words ({@code Missing argument} without) or refuses them ({@code Too many arguments}). */
        public boolean takesData() { return takesData; }

        /** The word on the wire. */
        public String word() { return AsciiCase.lower(name()); }

        static Optional<Verb> of(String word) {
            for (Verb v : values()) {
                if (v.word().equals(word)) return Optional.of(v);
            }
            return Optional.empty();
        }
    }

    /** A request greylistd answers with an {@code error: } line, in greylistd's words. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    public GreylistdRequest {
        options = List.copyOf(options);
        data = List.copyOf(data);
    }

    /**
     * Parses a request as greylistd does.
     *
     * @throws Refused {@code No data received}, {@code Missing argument} or {@code Too many arguments}
     */
    public static GreylistdRequest parse(String text) throws Refused {
        List<String> words = words(text);
        if (words.isEmpty()) throw new Refused("No data received");
        Optional<Verb> named = Verb.of(words.getFirst());
        Verb verb = named.orElse(Verb.UPDATE);
        int i = named.isPresent() ? 1 : 0;
        List<String> options = new ArrayList<>();
        while (i < words.size() && words.get(i).startsWith("-")) options.add(stripDashes(words.get(i++)));
        List<String> data = words.subList(i, words.size());
        if (verb.takesData() && data.isEmpty()) throw new Refused("Missing argument");
        if (!verb.takesData() && !data.isEmpty()) throw new Refused("Too many arguments");
        return new GreylistdRequest(verb, options, data);
    }

    /** The data as greylistd keys it: the words joined by single spaces. */
    public String text() {
        return String.join(" ", data);
    }

    /** The request as it would be written again, for log lines (already lower-cased and escaped). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(verb.word());
        for (String o : options) b.append(" --").append(o);
        for (String d : data) b.append(' ').append(d);
        return b.toString();
    }

    /** Lower-cased (ASCII letters) and split on Python's whitespace; control characters in words escaped. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean space = i == text.length() || whitespace(text.charAt(i));
            if (!space && start < 0) start = i;
            if (space && start >= 0) {
                words.add(ClientText.escape(AsciiCase.lower(text.substring(start, i))));
                start = -1;
            }
        }
        return words;
    }

    private static boolean whitespace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
    }

    private static String stripDashes(String word) {
        int i = 0;
        while (i < word.length() && word.charAt(i) == '-') i++;
        return word.substring(i);
    }
}
