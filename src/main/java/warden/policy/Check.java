package warden.policy;

import warden.mail.ClientText;
import warden.mail.Reply;

import java.util.Optional;

/**
 * One policy check: a small pure function from what is known about a session to a {@link Finding}.
 *
 * <p>A check reads the {@link SessionSnapshot} and, if it needs DNS, the {@code Resolver} it was
 * built with; it never touches the socket or the reply, never sleeps, never remembers. What to do
 * about a finding is the engine's business ({@link Action}, {@link PolicySettings}), so the same
 * check serves enforcement, report mode and {@code check-helo}.
 *
 * <p>A DNS temporary failure is reported as {@link Finding.Outcome#TEMPFAIL}, never as FAIL.
 * An exception escaping {@link #check} is a bug; the engine turns it into a 451 4.3.0 defer.
 *
 * @see Checks
 */
public interface Check {

    /** The kebab-case name used in config ({@code checks.<name>.action}), logs and headers. */
    String name();

    /** The stage at which the check runs. */
    Stage stage();

    /** Looks at the snapshot and says what it saw. */
    Finding check(SessionSnapshot snapshot);

    /**
     * The reply refusing with this check's own words, for a FAIL finding whose action refuses
     * ({@code permanent}: deny or drop; otherwise defer). Empty: the engine's standard reply
     * (550 5.7.1 or 450 4.7.1 with the finding's reason).
     */
    default Optional<Reply> refusal(Finding failed, boolean permanent) { return Optional.empty(); }

    /**
     * The header line a FAIL finding of this check puts on the message when its action is
     * {@code header}. Empty: the engine's standard {@code X-Helo-Check:} line.
     */
    default Optional<String> header(Finding failed) { return Optional.empty(); }

    /** A PASS finding of this check. */
    default Finding pass(String reason) { return new Finding(name(), Finding.Outcome.PASS, oneLine(reason)); }

    /** A FAIL finding of this check. */
    default Finding fail(String reason) { return new Finding(name(), Finding.Outcome.FAIL, oneLine(reason)); }

    /** A SKIP finding of this check: it does not apply. */
    default Finding skip(String reason) { return new Finding(name(), Finding.Outcome.SKIP, oneLine(reason)); }

    /** A TEMPFAIL finding of this check: DNS could not tell now. */
    default Finding tempFail(String reason) { return new Finding(name(), Finding.Outcome.TEMPFAIL, oneLine(reason)); }

    /**
     * {@code text} as one printable ASCII line of at most 300 characters: a reason ends up in a
     * reply line, a log line and a header, where a CR or LF from a client or a resolver would
     * inject lines of its own. Control and non-ASCII characters are escaped as everywhere else a
     * client's text is shown ({@link ClientText#ascii}: {@code \x0b}, {@code \xe9},
     * <code>&#92;u2028</code>), so a finding reads as the main log's own lines do; a longer text
     * is cut and ends with {@code ...}.
     */
    static String oneLine(String text) {
        String line = ClientText.ascii(text, 300);
        return line.length() <= 300 ? line : ClientText.ascii(text, 297); // room for the "..."
    }
}
