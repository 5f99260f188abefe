package warden.policy.helo;

import warden.mail.IpText;
import warden.dns.ClientIdentity;
import warden.dns.DnsAnswer;
import warden.dns.HostAddresses;
import warden.dns.Resolver;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.net.InetAddress;
import java.util.List;

/**
 * {@code helo-unverified}: the host name cannot be verified, in the seed 004 author's two steps.
 *
 * <ol>
 *   <li>Forward: if the name's A/AAAA records include the client's address, the HELO is verified
 *       (helodnscheck's type B test). So is a name that is one of the client's reverse names
 *       (Exim's {@code verify = helo}).</li>
 *   <li>Reverse: otherwise each address the name resolves to (at most {@value #MAX_ADDRESSES}) is
 *       looked up in reverse; if one of them names the HELO again, the HELO is a real,
 *       consistently named host and is verified. This is the seed's leniency for pools, where a
 *       server greets as {@code mx0} from the address of {@code mx1}.</li>
 * </ol>
 *
 * <p>Fails when neither step verifies, including when the name has no address. A temporary DNS
 * failure on the way, with nothing verified, is TEMPFAIL; so is half an answer (A timed out while
 * AAAA answered, or the reverse), which may lack the client's address.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4: the server MAY verify the HELO but MUST NOT refuse mail solely because
 * verification fails; hence the seed's (and our default) delay, never a rejection.
 */
public record HeloUnverified(Resolver resolver) implements Check {

    public static final String NAME = "helo-unverified";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_FQDN = new Finding(NAME, Finding.Outcome.SKIP, "not a fully-qualified host name");
    private static final Finding REVERSE_NAME = new Finding(NAME, Finding.Outcome.PASS, "HELO is the client's reverse name");
    private static final Finding CLIENTS_ADDRESS = new Finding(NAME, Finding.Outcome.PASS, "HELO resolves to the client's address");

    static final int MAX_ADDRESSES = 4;

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h) || !h.lookupWorthy()) {
            return NOT_FQDN;
        }
        List<String> ptr = s.identity().map(ClientIdentity::ptrNames).orElse(List.of());
        if (ptr.stream().anyMatch(n -> n.equalsIgnoreCase(h.name()))) {
            return REVERSE_NAME;
        }
        HostAddresses forward = resolver.hostAddresses(h.name());
        // Half an answer (A timed out, AAAA answered) may lack the very address that verifies.
        boolean tempFail = !forward.complete();
        List<InetAddress> addresses = forward.values();
        if (addresses.contains(s.clientAddress())) return CLIENTS_ADDRESS;
        for (InetAddress a : addresses.subList(0, Math.min(addresses.size(), MAX_ADDRESSES))) {
            DnsAnswer<String> back = resolver.ptr(a);
            tempFail |= back.isTempFail();
            if (back.valuesOrEmpty().stream().anyMatch(n -> n.equalsIgnoreCase(h.name()))) {
                return pass("HELO resolves to " + IpText.of(a) + ", whose reverse name is the HELO again");
            }
        }
        if (tempFail) {
            return tempFail("DNS could not tell now whether HELO " + h.shown() + " belongs to the client");
        }
        return fail(addresses.isEmpty()
                ? "HELO " + h.shown() + " has no address, so it cannot be the client " + IpText.of(s.clientAddress())
                : "HELO " + h.shown() + " does not resolve to the client " + IpText.of(s.clientAddress())
                        + " and its addresses do not resolve back to it");
    }
}
