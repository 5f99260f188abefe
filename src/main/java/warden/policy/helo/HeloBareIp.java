package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-bare-ip}: the argument is an IP address without brackets ({@code 192.0.2.1},
 * {@code 2001:db8::1}).
 *
 * <p>The seed 004 author's gross violation: "delay, then deny", and sticky for the connection.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.3: an address is only valid in HELO as a literal in brackets.
 */
public final class HeloBareIp implements Check {

    public static final String NAME = "helo-bare-ip";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_BARE = new Finding(NAME, Finding.Outcome.PASS, "not a bare IP address");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        return HeloName.of(s) instanceof HeloName.BareAddress b
                ? fail("HELO " + b.shown() + " is a bare IP address; RFC 5321 4.1.3 requires an address literal in brackets")
                : NOT_BARE;
    }
}
