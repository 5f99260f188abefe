package warden.smtp;

/**
 * One command line split into its verb and argument ({@code MAIL}, {@code FROM:<a@b> SIZE=10}).
 * {@code verb} is null for a word that is no SMTP command; {@code word} keeps what was sent.
 */
public record Command(Verb verb, String word, String argument) {

    /** Splits a command line (without CRLF) at the first space. A pure function. */
    public static Command parse(String line) {
        String l = line.stripTrailing();
        int sp = l.indexOf(' ');
        String word = sp < 0 ? l : l.substring(0, sp);
        String arg = sp < 0 ? "" : l.substring(sp + 1).strip();
        return new Command(Verb.of(word), word, arg);
    }
}
