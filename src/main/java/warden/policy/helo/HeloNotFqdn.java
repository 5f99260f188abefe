package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-not-fqdn}: the host name has a single label ({@code DESKTOP-3507CDS}, {@code smtp}).
 *
 * <p>The seed 004 author delays these. It is the largest source of false positives among the
 * peers (desktop mail clients on submission: Mailu #115, Mail-Toaster-6 #202), which is why the
 * default only delays and authenticated clients are exempt. Address literals are not names and
 * pass (rspamd scores an {@code [IPv6:...]} literal as dotless, a bug). {@code localhost} is left to
 * {@code helo-bogus-name}, which knows a loopback client may call itself so (RFC 6761 section 6.3).
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.1: the argument is the client's fully-qualified domain name.
 */
public final class HeloNotFqdn implements Check {

    public static final String NAME = "helo-not-fqdn";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding QUALIFIED = new Finding(NAME, Finding.Outcome.PASS, "fully qualified");
    private static final Finding LOCALHOST = new Finding(NAME, Finding.Outcome.SKIP, "localhost is every host's own name (judged by helo-bogus-name)");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        if (h.localhost()) return LOCALHOST;
        return h.qualified()
                ? QUALIFIED
                : fail("HELO " + h.shown() + " is not a fully-qualified domain name");
    }
}
