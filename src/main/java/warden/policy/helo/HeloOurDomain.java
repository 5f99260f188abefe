package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.OwnIdentity;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-our-domain}: the client greets with one of the mail domains we receive for.
 *
 * <p>The seed 004 author's gross violation ("delay, then deny"). Some mail clients greet with
 * their sender's domain, which is why authenticated and relay clients are exempt (seed 002: place
 * it after the authenticated and relay permits). A host <em>in</em> our domain is
 * {@code helo-our-subdomain}. {@code localhost} is not a claim to be us even though
 * {@code user@localhost} is a mailbox of ours: it is every host's name for itself (RFC 6761
 * section 6.3), true from a loopback client and {@code helo-bogus-name}'s delay from anyone else.
 */
public record HeloOurDomain(OwnIdentity us) implements Check {

    public static final String NAME = "helo-our-domain";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding NOT_OURS = new Finding(NAME, Finding.Outcome.PASS, "not one of our domains");
    private static final Finding LOCALHOST = new Finding(NAME, Finding.Outcome.SKIP, "localhost is every host's own name (judged by helo-bogus-name)");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        if (h.localhost()) return LOCALHOST;
        return us.isOurDomain(h.name())
                ? fail("HELO " + h.shown() + " is one of our own mail domains")
                : NOT_OURS;
    }
}
