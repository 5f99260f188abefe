package warden.policy.dnsbl;

import warden.mail.IpText;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code dnsbl-warning}: the client is listed by a DNS blacklist, but not by enough of them to
 * reach {@code dnsbl.threshold}.
 *
 * <p>The seed's policy by default ({@code header} after a {@code 20s} delay): "if a sending host
 * appears on one DNS blacklist, we stall the sender but do nothing else", and mark the message
 * {@code X-DNSbl-Warning: 192.0.2.99 is blacklisted by zen.spamhaus.org} so that a filter can
 * file it apart (the seed's {@code .Junk.DNSbl-Warning} folder). One instance per connection.
 *
 * <h2>Standards</h2>
 * RFC 5782; RFC 5322 section 3.6.8 (optional fields).
 */
public record DnsblWarning(Supplier<DnsListReport> report) implements Check {

    public static final String NAME = "dnsbl-warning";

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.RCPT; }

    @Override
    public Finding check(SessionSnapshot s) {
        DnsListReport r = report.get();
        String ip = IpText.of(s.clientAddress());
        Optional<String> exempt = r.exemption(ip);
        if (exempt.isPresent()) return skip(exempt.get());
        if (r.warned()) return fail(ip + " is blacklisted by " + r.zones());
        return pass(r.reached() ? ip + " is over the threshold (see dnsbl-listed)" : ip + " is not listed");
    }

    @Override
    public Optional<String> header(Finding failed) {
        return Optional.of(warningHeader(failed));
    }

    /** {@code X-DNSbl-Warning: <ip> is blacklisted by <zones>} from a finding of either DNSBL check. */
    static String warningHeader(Finding failed) {
        String reason = failed.reason();
        int score = reason.indexOf(" (score ");
        return "X-DNSbl-Warning: " + (score < 0 ? reason : reason.substring(0, score));
    }
}
