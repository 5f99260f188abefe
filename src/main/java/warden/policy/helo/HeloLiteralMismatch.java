package warden.policy.helo;

import warden.mail.IpText;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-literal-mismatch}: the address in the literal is not the client's address.
 *
 * <p>Addresses are compared as addresses, not strings: {@code [IPv6:2001:db8:0::1]} matches
 * 2001:db8::1 and {@code [IPv6:::ffff:192.0.2.1]} matches 192.0.2.1 (Haraka and Exim fail these).
 * The comparison is exact: NATed desktop clients greet with their private address, which is why
 * the default action only delays and authenticated clients are exempt.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4; RFC 4291 section 2.2 (IPv6 text forms).
 */
public final class HeloLiteralMismatch implements Check {

    public static final String NAME = "helo-literal-mismatch";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_AN_IP_LITERAL = new Finding(NAME, Finding.Outcome.SKIP, "not an IP address literal");
    private static final Finding CLIENTS_ADDRESS = new Finding(NAME, Finding.Outcome.PASS, "the literal is the client's address");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.AddressLiteral l) || l.address().isEmpty()) {
            return NOT_AN_IP_LITERAL;
        }
        return l.address().get().equals(s.clientAddress())
                ? CLIENTS_ADDRESS
                : fail("HELO literal " + l.shown() + " is not the client's address " + IpText.of(s.clientAddress()));
    }
}
