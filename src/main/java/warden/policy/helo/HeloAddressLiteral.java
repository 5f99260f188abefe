package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-address-literal}: the client greets with an address literal ({@code [192.0.2.1]})
 * instead of a host name.
 *
 * <p>RFC-valid, but a mail server on the Internet has a name; the seed 004 author delays these.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4: a literal is for hosts that have no meaningful name.
 */
public final class HeloAddressLiteral implements Check {

    public static final String NAME = "helo-address-literal";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_LITERAL = new Finding(NAME, Finding.Outcome.PASS, "not an address literal");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        return HeloName.of(s) instanceof HeloName.AddressLiteral l && l.error().isEmpty()
                ? fail("HELO " + l.shown() + " is an address literal, not a host name")
                : NOT_A_LITERAL;
    }
}
