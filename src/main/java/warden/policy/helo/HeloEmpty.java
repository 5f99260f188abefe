package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-empty}: HELO or EHLO sent without an argument.
 *
 * <p>Seed 003 blocks this permanently; seed 000 shows a server blacklisted by the CBL for it.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.1: {@code ehlo = "EHLO" SP ( Domain / address-literal ) CRLF}.
 */
public final class HeloEmpty implements Check {

    public static final String NAME = "helo-empty";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding GIVEN = new Finding(NAME, Finding.Outcome.PASS, "an argument was given");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        return HeloName.of(s) instanceof HeloName.Empty
                ? fail(s.heloVerb().orElse("HELO") + " without an argument; RFC 5321 4.1.1.1 requires a domain or address literal")
                : GIVEN;
    }
}
