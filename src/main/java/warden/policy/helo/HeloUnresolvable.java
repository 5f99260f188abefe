package warden.policy.helo;

import warden.dns.DnsAnswer;
import warden.dns.Resolver;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-unresolvable}: the host name has no A, AAAA or MX record (helodnscheck's type I,
 * "doesn't solve").
 *
 * <p>An MX record is accepted as Postfix's {@code reject_unknown_helo_hostname} does. Only a
 * definite answer (NXDOMAIN or no data) fails; a timeout or SERVFAIL is TEMPFAIL. Legitimate
 * senders fail this in the wild (Microsoft {@code TX2EHSNDR001.bigfish.com}, fail2ban #125;
 * {@code smtp.digital.nuance.com}, anonaddy #167), so the default only logs; the seed's delay
 * for a HELO that does not verify comes from {@code helo-unverified}.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4 (a server MUST NOT refuse mail solely because the HELO fails
 * verification); RFC 2308 (NXDOMAIN and NODATA).
 */
public record HeloUnresolvable(Resolver resolver) implements Check {

    public static final String NAME = "helo-unresolvable";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_FQDN = new Finding(NAME, Finding.Outcome.SKIP, "not a fully-qualified host name");
    private static final Finding HAS_ADDRESS = new Finding(NAME, Finding.Outcome.PASS, "the name has an address");
    private static final Finding HAS_MX = new Finding(NAME, Finding.Outcome.PASS, "the name has an MX record");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h) || !h.lookupWorthy()) {
            return NOT_FQDN;
        }
        DnsAnswer<?> addresses = resolver.addresses(h.name());
        if (addresses instanceof DnsAnswer.Found<?>) return HAS_ADDRESS;
        DnsAnswer<?> mx = addresses.isTempFail() ? addresses : resolver.mx(h.name());
        return switch (mx) {
            case DnsAnswer.Found<?> f -> HAS_MX;
            case DnsAnswer.TempFail<?> t -> tempFail("DNS could not tell now whether HELO " + h.shown() + " exists: " + t.reason());
            case DnsAnswer.NotFound<?> n -> fail("HELO " + h.shown() + " has no A, AAAA or MX record"
                    + (n.nxdomain() ? " (the name does not exist)" : ""));
        };
    }
}
