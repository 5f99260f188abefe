package warden.smtp;

import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The SMTP command table, as data (after Postfix's {@code smtpd_cmd_table[]}).
 *
 * <p>{@code lastInGroup} marks the commands after which a PIPELINING client must wait for the
 * replies (RFC 2920 section 3.1: EHLO, DATA, QUIT, ...); the server needs it only to document the
 * rule: it flushes whenever its input is drained, which covers every case.
 */
public enum Verb {
    HELO(true), EHLO(true), MAIL(false), RCPT(false), DATA(true), RSET(false), NOOP(true), QUIT(true),
    VRFY(true), EXPN(true), HELP(true), STARTTLS(true), AUTH(true), BDAT(false), ETRN(true), TURN(true);

    private static final Map<String, Verb> BY_NAME =
            Stream.of(values()).collect(Collectors.toUnmodifiableMap(Enum::name, Function.identity()));

    private final boolean lastInGroup;

    Verb(boolean lastInGroup) {
        this.lastInGroup = lastInGroup;
    }

    public boolean lastInGroup() {
        return lastInGroup;
    }

    /** The verb named {@code word} (case-insensitive), or null. */
    public static Verb of(String word) {
        return BY_NAME.get(word.toUpperCase(Locale.ROOT));
    }
}
