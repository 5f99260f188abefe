package warden.policy.dnsbl;

import warden.mail.IpText;
import warden.mail.Reply;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code dnsbl-listed}: the client is listed by enough DNS blacklists to reach {@code dnsbl.threshold}.
 *
 * <p>The seed's policy by default ({@code drop} after a {@code 20s} delay): "if a sending host
 * appears on two DNS blacklists, we deny service", and close the connection because "we are not
 * interested in further communication with the host". The reply is the seed's, one line per
 * list with its TXT reason:
 * <pre>
 * 550-5.7.1 Access denied - 192.0.2.99 is listed by two DNS blacklists
 * 550-5.7.1 1) b.barracudacentral.org
 * 550-5.7.1 https://www.barracudacentral.org/rbl/listing?ip=192.0.2.99
 * 550-5.7.1 2) zen.spamhaus.org
 * 550 5.7.1 https://check.spamhaus.org/query/ip/192.0.2.99
 * </pre>
 *
 * <p>It runs at RCPT, not at connect: an authenticated client is exempt, and a client can only be
 * known to be authenticated once it asks to relay (the seed's reasoning). A client on a DNS
 * whitelist ({@code dnswl.lists}) is not looked up. One instance per connection: it asks the
 * lists once, through {@code report}.
 *
 * <h2>Standards</h2>
 * RFC 5782; RFC 5321 section 4.2 (multi-line replies); RFC 3463 (5.7.1).
 */
public record DnsblListed(Supplier<DnsListReport> report) implements Check {

    public static final String NAME = "dnsbl-listed";

    private static final List<String> NUMBERS = List.of("no", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.RCPT; }

    @Override
    public Finding check(SessionSnapshot s) {
        DnsListReport r = report.get();
        String ip = IpText.of(s.clientAddress());
        Optional<String> exempt = r.exemption(ip);
        if (exempt.isPresent()) return skip(exempt.get());
        if (r.reached()) return fail(ip + " is blacklisted by " + r.zones() + " (score " + r.score() + " of " + r.threshold() + ")");
        return pass(r.listings().isEmpty() ? ip + " is not listed by " + r.asked() + " DNS blacklist(s)"
                : ip + " is listed by " + r.zones() + ", below the threshold (score " + r.score() + " of " + r.threshold() + ")");
    }

    @Override
    public Optional<Reply> refusal(Finding failed, boolean permanent) {
        DnsListReport r = report.get();
        List<String> lines = new ArrayList<>();
        int n = r.listings().size();
        String ip = failed.reason().substring(0, failed.reason().indexOf(' '));
        lines.add("Access denied - " + ip + " is listed by " + (n < NUMBERS.size() ? NUMBERS.get(n) : n)
                + " DNS blacklist" + (n == 1 ? "" : "s"));
        for (int i = 0; i < n; i++) {
            Listing l = r.listings().get(i);
            lines.add((i + 1) + ") " + l.zone());
            if (!l.text().isBlank()) lines.add(l.text());
        }
        return Optional.of(permanent ? new Reply(550, "5.7.1", lines) : new Reply(450, "4.7.1", lines));
    }

    @Override
    public Optional<String> header(Finding failed) {
        return Optional.of(DnsblWarning.warningHeader(failed));
    }
}
