package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.OwnIdentity;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-our-hostname}: the client greets with our own host name.
 *
 * <p>Seed 002: "only spam tools seem to use such an HELO, this ACL is pretty safe". Compared
 * exactly, case-insensitively and without a trailing dot (Exim's recipe used a regex match, so
 * {@code mail.example.com} also caught {@code xmail.example.community}).
 */
public record HeloOurHostname(OwnIdentity us) implements Check {

    public static final String NAME = "helo-our-hostname";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding NOT_OURS = new Finding(NAME, Finding.Outcome.PASS, "not our host name");
    private static final Finding LOCALHOST = new Finding(NAME, Finding.Outcome.SKIP, "localhost is every host's own name (judged by helo-bogus-name)");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        if (h.localhost()) return LOCALHOST; // a test setup may call itself localhost; the client is not claiming to be us
        return us.isOurHostname(h.name())
                ? fail("HELO " + h.shown() + " is our own host name")
                : NOT_OURS;
    }
}
