package warden.cli;

import warden.mail.IpText;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import warden.config.WardenConfig;
import warden.dns.DnsAnswer;
import warden.dns.Resolver;
import warden.mail.Cidr;
import warden.policy.DialoguePolicy;
import warden.policy.HeloReport;
import warden.policy.OwnIdentity;
import warden.policy.PolicySettings;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;
import warden.policy.dnsbl.DnsList;
import warden.policy.dnsbl.ReturnCodes;
import warden.policy.helo.HeloName;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code warden doctor}: checks our own identity the way the CBL and receiving servers do (seed
 * 001): the configured hostname is a fully qualified name and not a bogus one, it resolves to the
 * public IP, the public IP's PTR names it back, our HELO passes a receiver's HELO checks from our
 * own address, and which DNS blacklists list us. Every failure comes with its fix. Then the
 * outbound side ({@link OutboundCheckup}): the HELO name the queue uses, the source address it
 * would connect from, that address's forward and reverse DNS, and whether Warden's own checks
 * would accept our greeting from it.
 *
 * Then the certificates of {@code tls.*} ({@link CertificateCheckup}): days left, the name, the
 * chain, the key.
 *
 * <p>Exit status 0 when everything passes (warnings such as a certificate with fewer than 14 days
 * left are told but fail nothing), 1 when something fails, 2 for a usage error. A DNS
 * temporary failure is reported as "could not tell", never as a pass.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check our own identity (hostname, A/AAAA, PTR, HELO, blacklists) as receivers and the CBL do, and the TLS certificate (expiry, name, chain, key).")
public final class DoctorCommand implements Callable<Integer> {

    /** Blacklists receivers commonly consult, asked besides the configured {@code dnsbl.lists}. */
    static final List<String> COMMON_BLACKLISTS = List.of("zen.spamhaus.org", "bl.spamcop.net", "b.barracudacentral.org",
            "psbl.surriel.com");

    /** Names the CBL calls out as bogus HELOs (seed 001), and other default names. */
    static final Set<String> BOGUS = Set.of("localhost", "localhost.localdomain", "smtp", "mail", "localdomain",
            "ip6-localhost", "ip6-loopback");

    @Mixin
    ConfigOption config;

    @Option(names = "--public-ip", paramLabel = "IP",
            description = "our public address (default: the addresses our hostname resolves to)")
    String publicIp;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    /** One line of the report. */
    public record Item(String check, String status, String detail, String fix) {}

    @Override
    public Integer call() throws Exception {
        InetAddress given = null;
        if (publicIp != null) {
            given = Cidr.literal(publicIp);
            if (given == null) throw new IllegalArgumentException("--public-ip '" + publicIp + "' is not an IP address");
        }
        WardenConfig c = config.load();
        List<Item> items;
        OutboundCheckup.Result outbound;
        try (Components components = Components.forTool(c, null)) {
            items = new ArrayList<>(examine(c, components.resolver, given));
            outbound = OutboundCheckup.examine(c, components.resolver, Optional.ofNullable(given));
            items.addAll(outbound.items());
        }
        items.addAll(passwdFile(c));
        items.addAll(CertificateCheckup.examine(c, java.time.Instant.now()));
        var out = spec.commandLine().getOut();
        // a warning (a certificate that expires soon, a self-signed one) is told but fails nothing
        boolean ok = items.stream().allMatch(i -> i.status().equals("ok") || i.status().equals("warn"));
        long warnings = items.stream().filter(i -> i.status().equals("warn")).count();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hostname", c.hostname());
            m.put("ok", ok);
            m.put("outbound", outbound.summary());
            m.put("checks", items);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m));
        } else {
            out.println("Warden doctor: " + c.hostname());
            for (Item i : items) {
                out.println(String.format("  %-6s %-18s %s", i.status().toUpperCase(Locale.ROOT), i.check(), i.detail()));
                if (!i.fix().isEmpty()) out.println("         fix: " + i.fix());
            }
            out.println(!ok ? "Some checks fail: fix them before this host sends mail."
                    : warnings == 0 ? "All checks pass." : "All checks pass, with " + warnings + (warnings == 1 ? " warning." : " warnings."));
        }
        out.flush();
        return ok ? 0 : 1;
    }

    /**
     * {@code auth.passwd_file}: readable (fail), every line usable and hashed (warn: a user who
     * cannot log in, or a {PLAIN} password anyone who reads the file could use).
     */
    static List<Item> passwdFile(WardenConfig c) {
        if (c.auth().passwdFile().isEmpty()) return List.of();
        var file = new warden.auth.PasswdFile(c.auth().passwdFile().get(), java.time.Clock.systemUTC(), java.time.Duration.ZERO);
        List<Item> items = new ArrayList<>();
        var problems = file.problems();
        for (var p : problems) items.add(new Item("passwd-file", "fail", p.file() + (p.line() > 0 ? ":" + p.line() : "") + ": " + p.message(), p.fix()));
        for (var p : file.warnings()) items.add(new Item("passwd-file", "warn", p.file() + ":" + p.line() + ": " + p.message(), p.fix()));
        if (items.isEmpty()) items.add(new Item("passwd-file", "ok", file.file() + ": every user has a hashed password", ""));
        return items;
    }

    /** Runs every check; {@code publicIp} null means the hostname's own addresses. */
    static List<Item> examine(WardenConfig c, Resolver resolver, InetAddress publicIp) {
        List<Item> items = new ArrayList<>();
        String host = c.hostname();

        // 1. the name itself
        boolean fqdn = HeloName.parse(host) instanceof HeloName.Hostname h && h.qualified() && h.syntaxError().isEmpty();
        if (BOGUS.contains(host) || host.endsWith(".localdomain") || host.endsWith(".local")) {
            items.add(new Item("hostname", "fail", "'" + host + "' is a default name that the CBL and receivers treat as bogus",
                    "set 'hostname:' to this host's fully qualified name as seen on the Internet, e.g. mail.example.org"));
        } else if (!fqdn) {
            items.add(new Item("hostname", "fail", "'" + host + "' is not fully qualified",
                    "set 'hostname:' to a fully qualified name with a domain, e.g. mail.example.org"));
        } else {
            items.add(new Item("hostname", "ok", "'" + host + "' is a fully qualified domain name", ""));
        }

        // 2. forward DNS
        DnsAnswer<InetAddress> forward = resolver.addresses(host);
        List<InetAddress> addresses = forward.valuesOrEmpty();
        List<InetAddress> publics = new ArrayList<>();
        if (publicIp != null) publics.add(publicIp);
        else publics.addAll(addresses);
        switch (forward) {
            case DnsAnswer.TempFail<InetAddress> t -> items.add(new Item("forward-dns", "unsure",
                    "could not resolve " + host + " now: " + t.reason(), "check the DNS servers in 'dns.servers' and try again"));
            case DnsAnswer.NotFound<InetAddress> n -> items.add(new Item("forward-dns", "fail",
                    host + " has no A or AAAA record" + (n.nxdomain() ? " (the name does not exist)" : ""),
                    "publish an A (and AAAA if you send over IPv6) record for " + host + " pointing to the public address"));
            case DnsAnswer.Found<InetAddress> f -> {
                if (publicIp == null || addresses.contains(publicIp)) {
                    items.add(new Item("forward-dns", "ok", host + " resolves to " + names(addresses), ""));
                } else {
                    items.add(new Item("forward-dns", "fail", host + " resolves to " + names(addresses)
                            + ", not to the public address " + IpText.of(publicIp),
                            "make the A/AAAA record of " + host + " include " + IpText.of(publicIp)));
                }
            }
        }
        if (publics.isEmpty()) {
            items.add(new Item("public-ip", "fail", "no public address to check: none given and " + host + " does not resolve",
                    "run 'warden doctor --public-ip <the address this host sends mail from>'"));
            return items;
        }

        for (InetAddress ip : publics) {
            // 3. reverse DNS, forward-confirmed
            items.add(reverseDns("reverse-dns", resolver, ip, host));

            // 4. our HELO through a receiver's eyes: the checks as another server runs them
            items.add(heloAsReceiverSeesIt(c, resolver, ip, host));

            // 5. blacklists
            // The lists this server uses, and the ones receivers commonly consult.
            List<DnsList> lists = new ArrayList<>(c.dnsLists().blacklists());
            COMMON_BLACKLISTS.stream().filter(z -> lists.stream().noneMatch(l -> l.zone().equals(z)))
                    .forEach(z -> lists.add(new DnsList(z, 1, ReturnCodes.ANY)));
            items.addAll(blacklists(resolver, ip, lists));
        }
        return items;
    }

    /** Whether the PTR of {@code ip} names {@code host}, as item {@code check}. */
    static Item reverseDns(String check, Resolver resolver, InetAddress ip, String host) {
        return switch (resolver.ptr(ip)) {
            case DnsAnswer.TempFail<String> t -> new Item(check, "unsure",
                    "could not look up the PTR of " + IpText.of(ip) + " now: " + t.reason(), "try again");
            case DnsAnswer.NotFound<String> n -> new Item(check, "fail", IpText.of(ip) + " has no PTR record",
                    "ask whoever owns " + IpText.of(ip) + " (your provider) to set its PTR to " + host);
            case DnsAnswer.Found<String> f when f.values().contains(host) ->
                    new Item(check, "ok", IpText.of(ip) + " has PTR " + host, "");
            case DnsAnswer.Found<String> f -> new Item(check, "fail", IpText.of(ip) + " has PTR "
                    + String.join(", ", f.values()) + ", not " + host, "set the PTR of " + IpText.of(ip) + " to " + host
                    + ", or set 'hostname:' to the PTR name if that name resolves back to " + IpText.of(ip));
        };
    }

    private static Item heloAsReceiverSeesIt(WardenConfig c, Resolver resolver, InetAddress ip, String host) {
        return heloAsReceiverSeesIt("helo", c, resolver, ip, host, Optional.empty());
    }

    /**
     * Our HELO through a receiver's eyes: Warden's own checks (the configured policy, as another
     * Warden would run them), with the client checks too when {@code identity} is given.
     */
    static Item heloAsReceiverSeesIt(String check, WardenConfig c, Resolver resolver, InetAddress ip, String host,
                                     Optional<warden.dns.ClientIdentity> identity) {
        // A receiver is not us: no forgery check can match, and we are no relay client of theirs.
        PolicySettings settings = c.policy().settings(OwnIdentity.none()).withRejectAt(PolicySettings.RejectAt.HELO)
                .withExemptRelayClients(false);
        var session = new DialoguePolicy(settings, resolver, line -> { }).open(ip);
        List<HeloReport.Item> findings = new ArrayList<>();
        if (identity.isPresent()) {
            var connect = session.decide(new SessionSnapshot(Stage.CONNECT, ip, 25, InetAddress.getLoopbackAddress(),
                    identity, Optional.empty(), Optional.empty(), Optional.empty(), false, false,
                    Optional.empty(), List.of(), Optional.empty(), Optional.empty()));
            findings.addAll(HeloReport.of(connect, settings).findings());
        }
        var decision = session.decide(new SessionSnapshot(Stage.HELO, ip, 25, InetAddress.getLoopbackAddress(),
                identity, Optional.of("EHLO"), Optional.of(host), Optional.empty(), false, false,
                Optional.empty(), List.of(), Optional.empty(), Optional.empty()));
        findings.addAll(HeloReport.of(decision, settings).findings());
        List<HeloReport.Item> faults = findings.stream()
                .filter(f -> !f.outcome().equals("pass") && !f.outcome().equals("skip")).toList();
        List<String> failed = faults.stream().map(f -> f.check() + " (" + f.reason() + ")").distinct().toList();
        boolean onlyTempFail = faults.stream().allMatch(f -> f.outcome().equals("tempfail"));
        if (!failed.isEmpty() && onlyTempFail) {
            return new Item(check, "unsure", "EHLO " + host + ": DNS could not tell now: " + String.join("; ", failed), "try again");
        }
        if (failed.isEmpty()) {
            return new Item(check, "ok", "EHLO " + host + " from " + IpText.of(ip) + " passes the "
                    + (identity.isPresent() ? "client and HELO" : "HELO") + " checks", "");
        }
        return new Item(check, "fail", "EHLO " + host + " from " + IpText.of(ip) + ": " + String.join("; ", failed),
                "make " + host + " resolve to " + IpText.of(ip) + " and " + IpText.of(ip) + " resolve back to "
                        + host + " (seed 001: forward and reverse DNS must match the HELO name)");
    }

    /**
     * Asks each list about {@code ip} the way the engine does ({@link DnsList#query}, the list's
     * return codes): a refusal code ({@link ReturnCodes#refusal}) is "could not tell", not a listing.
     */
    static List<Item> blacklists(Resolver resolver, InetAddress ip, List<DnsList> lists) {
        List<Item> items = new ArrayList<>();
        for (DnsList list : lists) {
            String zone = list.zone();
            String query = list.query(ip);
            switch (resolver.a(query)) {
                case DnsAnswer.NotFound<InetAddress> n -> items.add(new Item("blacklist", "ok",
                        IpText.of(ip) + " is not listed by " + zone, ""));
                case DnsAnswer.TempFail<InetAddress> t -> items.add(new Item("blacklist", "unsure",
                        zone + " did not answer: " + t.reason(), "try again later"));
                case DnsAnswer.Found<InetAddress> f -> {
                    List<InetAddress> listed = f.values().stream().filter(list.codes()::matches).toList();
                    Optional<String> refusal = f.values().stream().map(ReturnCodes::refusal).flatMap(Optional::stream).findFirst();
                    if (!listed.isEmpty()) {
                        String txt = String.join(" ", resolver.txt(query).valuesOrEmpty());
                        items.add(new Item("blacklist", "fail", IpText.of(ip) + " is listed by " + zone + " ("
                                + names(listed) + ")" + (txt.isEmpty() ? "" : ": " + txt),
                                "find and stop what sends spam or bogus HELOs from " + IpText.of(ip)
                                        + " (seed 001), then ask " + zone + " for delisting"));
                    } else if (refusal.isPresent()) {
                        items.add(new Item("blacklist", "unsure", zone + " refused the query (" + names(f.values())
                                + "): " + refusal.get(),
                                "use your own recursive resolver in 'dns.servers' and run doctor again"));
                    } else {
                        items.add(new Item("blacklist", "ok", IpText.of(ip) + " is not listed by " + zone
                                + " (it answered " + names(f.values()) + ", outside the list's codes)", ""));
                    }
                }
            }
        }
        return items;
    }

    private static String names(List<InetAddress> addresses) {
        return String.join(", ", addresses.stream().map(IpText::of).toList());
    }
}
