package warden.smtp;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The SMTP commands Warden knows by name (unknown words get 500 5.5.2).
 *
 * <p>RFC 2920 section 3.1 names the commands after which a PIPELINING client must wait for the
 * replies (EHLO, DATA, QUIT, ...); the server needs no table of them: it flushes whenever its
 * input is drained, which covers every case.
 */
public enum Verb {
    HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH, BDAT, ETRN, TURN;

    private static final Map<String, Verb> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

    /** The verb named {@code word} (case-insensitive), or null. */
    public static Verb of(String word) {
        return BY_NAME.get(word.toUpperCase(Locale.ROOT));
    }
}
