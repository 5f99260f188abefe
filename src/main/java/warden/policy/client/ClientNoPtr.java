package warden.policy.client;

import warden.mail.IpText;
import warden.dns.ClientIdentity;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code client-no-ptr}: the client's address has no reverse (PTR) name.
 *
 * <p>The seed 004 author's first connect rule: "a reverse DNS lookup is made with the IP address
 * of the host that connects; if this fails = Delay". A timeout or SERVFAIL is TEMPFAIL, never
 * FAIL (rspamd's HOSTNAME_UNKNOWN quarantined legitimate mail when lookups failed: mailcow #3168).
 * Reads {@link SessionSnapshot#identity()}; the engine fills it in when the front door did not.
 *
 * <h2>Standards</h2>
 * RFC 1912 section 2.1 (every Internet host should have a PTR record).
 */
public final class ClientNoPtr implements Check {

    public static final String NAME = "client-no-ptr";

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.CONNECT; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (s.identity().isEmpty()) return skip("the client's DNS was not looked up");
        ClientIdentity id = s.identity().get();
        if (!id.ptrNames().isEmpty()) return pass("reverse name " + id.ptrNames().getFirst());
        return id.tempFail()
                ? tempFail("the reverse lookup of " + IpText.of(s.clientAddress()) + " failed temporarily")
                : fail("the client " + IpText.of(s.clientAddress()) + " has no reverse DNS name");
    }
}
