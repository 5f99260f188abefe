package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.Set;

/**
 * {@code helo-bogus-name}: a default name of unconfigured software, not a name of this client:
 * {@code localhost}, {@code localhost.localdomain}, {@code localhost.<anything>},
 * {@code <anything>.localdomain}, {@code <anything>.localhost} (RFC 6761 section 6.3),
 * {@code localdomain} and {@code smtp}.
 *
 * <p>The names the CBL lists (seed 001). Legitimate but sloppy senders still use them (fetchmail,
 * sendemail, PHP Net_SMTP, Perl CheckUser, chatmail on submission), so the default only delays; a
 * loopback client is allowed to be localhost (qpsmtpd's {@code invalid_localhost} rule).
 */
public final class HeloBogusName implements Check {

    public static final String NAME = "helo-bogus-name";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding NOT_DEFAULT = new Finding(NAME, Finding.Outcome.PASS, "not a default name");

    private static final Set<String> NAMES = Set.of("localhost", "localhost.localdomain", "localdomain", "smtp");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    /** Whether {@code h} is one of the default names above (also what our own outbound HELO must not be). */
    public static boolean isDefaultName(HeloName.Hostname h) {
        String n = h.name();
        return NAMES.contains(n) || n.startsWith("localhost.") || n.endsWith(".localdomain") || h.localhost();
    }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        if (!isDefaultName(h)) return NOT_DEFAULT;
        if (s.clientAddress().isLoopbackAddress()) return pass("a loopback client may call itself " + h.shown());
        return fail("HELO " + h.shown() + " is a default name of unconfigured software, not this client's name");
    }
}
