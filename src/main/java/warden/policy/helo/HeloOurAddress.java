package warden.policy.helo;

import warden.mail.IpText;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.OwnIdentity;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.net.InetAddress;
import java.util.Optional;

/**
 * {@code helo-our-address}: the literal (or bare address) is one of our own addresses, sent by a
 * client that is not us.
 *
 * <p>Spamware greets with the address it connected to, hoping it is whitelisted (seed 002, "HELO is
 * faked interface address"). Our addresses are the interface the client reached plus the
 * configured ones (the public address behind NAT); see {@link OwnIdentity#isOurAddress}.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4 (the literal names the client, not the server).
 */
public record HeloOurAddress(OwnIdentity us) implements Check {

    public static final String NAME = "helo-our-address";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NO_ADDRESS = new Finding(NAME, Finding.Outcome.SKIP, "no address in the greeting");
    private static final Finding CLIENTS_ADDRESS = new Finding(NAME, Finding.Outcome.PASS, "the address is the client's own");
    private static final Finding NOT_OURS = new Finding(NAME, Finding.Outcome.PASS, "not one of our addresses");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        HeloName helo = HeloName.of(s);
        Optional<InetAddress> claimed = switch (helo) {
            case HeloName.AddressLiteral l -> l.address();
            case HeloName.BareAddress b -> Optional.of(b.address());
            default -> Optional.empty();
        };
        if (claimed.isEmpty()) return NO_ADDRESS;
        InetAddress a = claimed.get();
        if (a.equals(s.clientAddress())) return CLIENTS_ADDRESS;
        return us.isOurAddress(a, s.localAddress())
                ? fail("HELO " + helo.shown() + " is our own address, and the client " + IpText.of(s.clientAddress()) + " is not us")
                : NOT_OURS;
    }
}
