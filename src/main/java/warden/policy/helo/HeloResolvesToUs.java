package warden.policy.helo;

import warden.mail.IpText;
import warden.dns.HostAddresses;
import warden.dns.Resolver;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.OwnIdentity;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.net.InetAddress;
import java.util.List;

/**
 * {@code helo-resolves-to-us}: the host name resolves to one of our own addresses but the client
 * is not that host (helodnscheck's type V: "HELO is a local domain but IP is not a RELAYCLIENT").
 *
 * <p>Relay clients are exempt by the engine. A name that resolves to the client's address as well
 * passes (a sibling host behind our NAT address). Loopback addresses are never ours here: Office
 * 365 names that resolve to 127.0.0.1 (debops #2058) claim nothing. helodnscheck matched
 * substrings ({@code 1.2.3.4} matched {@code 11.2.3.45}); this compares addresses.
 */
public record HeloResolvesToUs(Resolver resolver, OwnIdentity us) implements Check {

    public static final String NAME = "helo-resolves-to-us";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_FQDN = new Finding(NAME, Finding.Outcome.SKIP, "not a fully-qualified host name");
    private static final Finding CLIENTS_ADDRESS = new Finding(NAME, Finding.Outcome.PASS, "HELO resolves to the client's own address");
    private static final Finding NOT_OURS = new Finding(NAME, Finding.Outcome.PASS, "HELO does not resolve to our addresses");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h) || !h.lookupWorthy()) {
            return NOT_FQDN;
        }
        HostAddresses forward = resolver.hostAddresses(h.name());
        List<InetAddress> addresses = forward.values();
        if (addresses.contains(s.clientAddress())) return CLIENTS_ADDRESS;
        if (!forward.complete()) {
            // The unanswered half may hold the client's address (a sibling host): could not tell.
            return tempFail("DNS could not tell now where HELO " + h.shown() + " points: " + forward.failure());
        }
        for (InetAddress a : addresses) {
            if (!a.isLoopbackAddress() && us.isOurAddress(a, s.localAddress())) {
                return fail("HELO " + h.shown() + " resolves to our own address " + IpText.of(a)
                        + " but the client " + IpText.of(s.clientAddress()) + " is not one of our hosts");
            }
        }
        return NOT_OURS;
    }
}
