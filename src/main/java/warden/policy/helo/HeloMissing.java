package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-missing}: MAIL FROM without a HELO or EHLO first.
 *
 * <p>The seed 004 author's gross violation at MAIL ("delay, then deny"); the CBL lists servers
 * that do it (seed 000). Checked at the MAIL stage, since only then is the absence known.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4: a client MUST issue HELO or EHLO before a mail transaction.
 */
public final class HeloMissing implements Check {

    public static final String NAME = "helo-missing";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding GREETED = new Finding(NAME, Finding.Outcome.PASS, "the client greeted first");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.MAIL; }

    @Override
    public Finding check(SessionSnapshot s) {
        return s.heloName().isPresent()
                ? GREETED
                : fail("MAIL without HELO or EHLO first; RFC 5321 4.1.4 requires a greeting");
    }
}
