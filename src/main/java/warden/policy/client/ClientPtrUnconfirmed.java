package warden.policy.client;

import warden.mail.IpText;
import warden.dns.ClientIdentity;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code client-ptr-unconfirmed}: the client has reverse names but none of them resolves back to
 * its address (no forward-confirmed reverse DNS, FCrDNS).
 *
 * <p>The seed 004 author's second connect rule: "a forward DNS lookup is made with the host name
 * from the reverse DNS lookup; if IP addresses differ = Delay". Skipped when there is no PTR name
 * at all ({@code client-no-ptr} judges that). Seed 000's advice to senders is the other side of
 * this check.
 *
 * <h2>Standards</h2>
 * RFC 1912 section 2.1; RFC 8601 section 3 ({@code iprev}).
 */
public final class ClientPtrUnconfirmed implements Check {

    public static final String NAME = "client-ptr-unconfirmed";

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.CONNECT; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (s.identity().isEmpty()) return skip("the client's DNS was not looked up");
        ClientIdentity id = s.identity().get();
        if (id.ptrNames().isEmpty()) return skip("no reverse name (judged by client-no-ptr)");
        if (id.confirmedName().isPresent()) return pass("forward-confirmed as " + id.confirmedName().get());
        return id.tempFail()
                ? tempFail("the forward lookup of " + String.join(", ", id.ptrNames()) + " failed temporarily")
                : fail("no reverse name of " + IpText.of(s.clientAddress()) + " (" + String.join(", ", id.ptrNames())
                        + ") resolves back to it");
    }
}
