package warden.policy;

import warden.dns.Resolver;
import warden.policy.bounce.BogusBounce;
import warden.policy.bounce.BounceRecipients;
import warden.policy.client.ClientNoPtr;
import warden.policy.client.ClientPtrUnconfirmed;
import warden.policy.client.EarlyTalker;
import warden.policy.content.HeaderMissingDate;
import warden.policy.content.HeaderSyntax;
import warden.policy.content.MailLoop;
import warden.policy.dnsbl.DnsblListed;
import warden.policy.dnsbl.DnsblWarning;
import warden.policy.helo.HeloAddressLiteral;
import warden.policy.helo.HeloBadDots;
import warden.policy.helo.HeloBareIp;
import warden.policy.helo.HeloBogusName;
import warden.policy.helo.HeloEmbeddedIp;
import warden.policy.helo.HeloEmpty;
import warden.policy.helo.HeloLiteralMismatch;
import warden.policy.helo.HeloMissing;
import warden.policy.helo.HeloNotFqdn;
import warden.policy.helo.HeloOurAddress;
import warden.policy.helo.HeloOurDomain;
import warden.policy.helo.HeloOurHostname;
import warden.policy.helo.HeloOurSubdomain;
import warden.policy.helo.HeloResolvesToUs;
import warden.policy.helo.HeloSyntax;
import warden.policy.helo.HeloUnresolvable;
import warden.policy.helo.HeloUnverified;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue of checks: their names (for validating {@code checks.<name>} keys) and the
 * instances, in the order the engine runs them.
 *
 * <p>The order puts the cheap, decisive checks first and the DNS checks last, so a log reads from
 * the grossest fault down. Every check runs whatever an earlier one found: report mode and
 * {@code check-helo} want the whole picture.
 */
public final class Checks {

    /** Every check name, in running order; {@code early-talker} is reported by the session. */
    public static final List<String> NAMES = List.of(
            ClientNoPtr.NAME, ClientPtrUnconfirmed.NAME, EarlyTalker.NAME,
            HeloEmpty.NAME, HeloSyntax.NAME, HeloBareIp.NAME, HeloAddressLiteral.NAME, HeloLiteralMismatch.NAME,
            HeloOurAddress.NAME, HeloOurHostname.NAME, HeloOurDomain.NAME, HeloOurSubdomain.NAME,
            HeloBogusName.NAME, HeloNotFqdn.NAME, HeloBadDots.NAME, HeloEmbeddedIp.NAME,
            HeloUnresolvable.NAME, HeloUnverified.NAME, HeloResolvesToUs.NAME,
            HeloMissing.NAME,
            BogusBounce.NAME, DnsblListed.NAME, DnsblWarning.NAME,
            HeaderSyntax.NAME, HeaderMissingDate.NAME, MailLoop.NAME);

    private Checks() {}

    /**
     * The checks shared by all connections, in {@link #NAMES} order: the HELO and client checks,
     * {@code bogus-bounce} when there are bounce-recipient files, and the DATA checks. The DNSBL
     * checks are made per connection by the engine (they remember the connection's lookups).
     */
    public static List<Check> all(Resolver resolver, OwnIdentity us, Optional<BounceRecipients> bounces, int maxReceivedHeaders) {
        List<Check> checks = new ArrayList<>(all(resolver, us));
        bounces.ifPresent(b -> checks.add(new BogusBounce(b)));
        checks.add(new HeaderSyntax());
        checks.add(new HeaderMissingDate());
        checks.add(new MailLoop(maxReceivedHeaders));
        return List.copyOf(checks);
    }

    /** The HELO and client checks, in {@link #NAMES} order. */
    public static List<Check> all(Resolver resolver, OwnIdentity us) {
        return List.of(
                new ClientNoPtr(), new ClientPtrUnconfirmed(),
                new HeloEmpty(), new HeloSyntax(), new HeloBareIp(), new HeloAddressLiteral(), new HeloLiteralMismatch(),
                new HeloOurAddress(us), new HeloOurHostname(us), new HeloOurDomain(us), new HeloOurSubdomain(us),
                new HeloBogusName(), new HeloNotFqdn(), new HeloBadDots(), new HeloEmbeddedIp(),
                new HeloUnresolvable(resolver), new HeloUnverified(resolver), new HeloResolvesToUs(resolver, us),
                new HeloMissing());
    }
}
