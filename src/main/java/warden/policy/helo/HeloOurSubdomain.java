package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.OwnIdentity;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-our-subdomain}: the client greets with a host name inside one of our mail domains
 * ({@code www.example.com} when we receive for {@code example.com}).
 *
 * <p>The seed 004 author only delays this ("if a host name is presented (e.g. www.herzbube.ch)
 * the result is only a delay"): our own other hosts may legitimately send from outside. Every
 * parent domain is tried, which covers Exim's "last three labels" recipe. Our own host name is
 * left to {@code helo-our-hostname}, {@code localhost} and names under it to {@code helo-bogus-name}
 * (RFC 6761 section 6.3).
 */
public record HeloOurSubdomain(OwnIdentity us) implements Check {

    public static final String NAME = "helo-our-subdomain";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding OUR_HOSTNAME = new Finding(NAME, Finding.Outcome.SKIP, "our own host name (judged by helo-our-hostname)");
    private static final Finding NOT_OURS = new Finding(NAME, Finding.Outcome.PASS, "not in one of our domains");
    private static final Finding LOCALHOST = new Finding(NAME, Finding.Outcome.SKIP, "localhost is every host's own name (judged by helo-bogus-name)");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        if (h.localhost()) return LOCALHOST;
        if (us.isOurHostname(h.name())) return OUR_HOSTNAME;
        String name = h.name();
        for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
            String parent = name.substring(dot + 1);
            if (!parent.isEmpty() && us.isOurDomain(parent)) {
                return fail("HELO " + h.shown() + " is a host in our own mail domain " + parent);
            }
        }
        return NOT_OURS;
    }
}
