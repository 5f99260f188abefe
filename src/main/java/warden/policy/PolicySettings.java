package warden.policy;

import warden.policy.bounce.BogusBounce;
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

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole SMTP-dialogue policy as an immutable value: what each check's failure costs, whether
 * to enforce or only report, where rejections are given, who is exempt, and who we are.
 *
 * <p>Config keys (the YAML loader maps them one to one):
 * <pre>
 * policy.mode: enforce | report          {@link #mode}
 * policy.reject_at: helo | rcpt          {@link #rejectAt}
 * policy.max_delay: 4m                   {@link #maxDelay}
 * policy.exempt_authenticated: true      {@link #exemptAuthenticated}
 * policy.exempt_relay_clients: true      {@link #exemptRelayClients}
 * policy.x_helo_check: false             {@link #heloCheckHeader}
 * policy.whitelist: /etc/warden/whitelist-hosts   {@link #whitelist}
 * checks.&lt;name&gt;.action: pass | log | header | delay | defer | deny | drop
 * checks.&lt;name&gt;.delay: 20s              (see {@link #duration})
 * checks.&lt;name&gt;.exempt: [192.0.2.0/24, "*.example.net"]
 * </pre>
 * Check names are {@link Checks#NAMES}; an unknown name is an error.
 *
 * <h2>The default policy</h2>
 * {@link #defaults} is the seed 004 author's policy, with a delay of 20 seconds (the figure the
 * seed's own test shows: "you will probably have to wait 20 seconds"):
 * <ul>
 *   <li>connect: no PTR name, or PTR not forward-confirmed: delay;</li>
 *   <li>HELO: not a FQDN, an address literal, a host in our domain, a name that does not verify:
 *       delay; a bare IP, one of our domains: delay, then deny, sticky for the connection;</li>
 *   <li>MAIL: no greeting: delay, then deny; earlier delays are repeated at MAIL and RCPT;</li>
 *   <li>RCPT: a bounce to an address that never sends mail: deny; listed by DNS blacklists up
 *       to {@code dnsbl.threshold}: delay, then drop; listed below it: delay and an
 *       {@code X-DNSbl-Warning:} header;</li>
 *   <li>DATA: a header that breaks RFC 5322 (malformed fields or address fields, no
 *       {@code From:}), a message with too many {@code Received:} headers: deny; a message
 *       without {@code Date:}: log (neither Exim's {@code header_syntax} nor Postfix refuses it);</li>
 *   <li>rejections are held until RCPT ({@code reject_at: rcpt}, Postfix's
 *       {@code smtpd_delay_reject}), so the log shows sender and recipient, {@code postmaster@}
 *       stays reachable and a client that authenticates after a bad HELO is forgiven.</li>
 * </ul>
 * Checks the author does not have get the mildest default that still shows them: RFC syntax
 * errors, an empty HELO, our own host name or address, a name resolving to us: delay, then deny;
 * a mismatching literal, a default name ({@code localhost}), an embedded IP: delay; misplaced dots
 * and a name that does not resolve: log (legitimate senders do both, see helo-checks.md); a client
 * that talks before the banner: deny.
 *
 * <h2>qmail helodnscheck modes</h2>
 * {@link #withHelodnscheck} sets the same checks as helodnscheck's {@code HELO_DNS_CHECK} flags
 * (the seed 003 v7 semantics; start from {@link #off} to get nothing else):
 * <ul>
 *   <li>no flag, or {@code I}: {@code helo-unresolvable: deny} (only a definite NXDOMAIN/NODATA;
 *       an MX record counts as resolving, as in Postfix);</li>
 *   <li>{@code P} (without {@code I}): {@code helo-unresolvable} is not denied, only logged or
 *       headed;</li>
 *   <li>{@code B}: {@code helo-unverified: deny} (Warden also verifies a HELO that is the client's
 *       reverse name, or whose addresses resolve back to it: it never blocks what B passes);</li>
 *   <li>{@code V}: {@code helo-resolves-to-us: deny} and {@code helo-bogus-name: deny} (localhost);</li>
 *   <li>{@code L}: every one of these checks that does not deny logs;</li>
 *   <li>{@code H}: {@code x_helo_check: true}, an {@code X-Helo-Check:} header for every finding;</li>
 *   <li>{@code R}: {@code exempt_relay_clients: true} (without R, relay clients are checked too);</li>
 *   <li>{@code D}: nothing (debug output is the log's business);</li>
 *   <li>per-IP {@code NOHELODNSCHECK}: a {@link #whitelist} entry or {@code checks.<name>.exempt}.</li>
 * </ul>
 * The empty HELO is always denied, as helodnscheck does.
 *
 * @param mode enforce, or only report what would have been done
 * @param rejectAt where refusals earned before RCPT are given
 * @param checks every known check's settings, in {@link Checks#NAMES} order (missing ones get the default)
 * @param maxDelay the cap on the delay of any one command, at most {@link #DELAY_LIMIT}
 * @param exemptAuthenticated whether an authenticated client skips all checks
 * @param exemptRelayClients whether a client in relay_networks skips all checks
 * @param heloCheckHeader whether every finding that is at least logged also gets an {@code X-Helo-Check:} header
 * @param whitelist the host whitelist file (see {@link HostList} for its format), re-read when it changes
 * @param us our names and addresses, for the forgery checks and {@code postmaster@}
 */
public record PolicySettings(Mode mode, RejectAt rejectAt, Map<String, CheckSettings> checks, Duration maxDelay,
                             boolean exemptAuthenticated, boolean exemptRelayClients, boolean heloCheckHeader,
                             Optional<Path> whitelist, OwnIdentity us) {

    /** Enforce the actions, or only log and head what they would have been. */
    public enum Mode { ENFORCE, REPORT }

    /** Give a refusal at the stage it was earned (HELO), or hold it until RCPT. */
    public enum RejectAt { HELO, RCPT }

    /**
     * The longest delay for one command: a minute under the 5 minutes RFC 5321 section 4.5.3.2
     * gives the client to wait for the greeting, MAIL and RCPT replies. The DATA reply (2 minutes
     * there) is capped lower by the engine.
     */
    public static final Duration DELAY_LIMIT = Duration.ofMinutes(4);

    /** The seed's delay. */
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(20);

    private static final Map<String, CheckSettings> DEFAULTS = defaultChecks();

    public PolicySettings {
        for (String name : checks.keySet()) {
            if (!Checks.NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown check '" + name + "'; known checks: " + String.join(", ", Checks.NAMES));
            }
        }
        Map<String, CheckSettings> all = new LinkedHashMap<>();
        for (String name : Checks.NAMES) all.put(name, checks.getOrDefault(name, DEFAULTS.get(name)));
        checks = Collections.unmodifiableMap(all);
        if (maxDelay.isNegative() || maxDelay.compareTo(DELAY_LIMIT) > 0) {
            throw new IllegalArgumentException("policy.max_delay must be between 0s and " + DELAY_LIMIT.toSeconds()
                    + "s: clients give up after 5 minutes (RFC 5321 4.5.3.2)");
        }
    }

    /** The seed 004 author's policy (see the class comment) for a server that is {@code us}. */
    public static PolicySettings defaults(OwnIdentity us) {
        return new PolicySettings(Mode.ENFORCE, RejectAt.RCPT, DEFAULTS, DELAY_LIMIT, true, true, false,
                Optional.empty(), us);
    }

    /** Every check off ({@code pass}), everything else as in {@link #defaults}. */
    public static PolicySettings off(OwnIdentity us) {
        Map<String, CheckSettings> none = new LinkedHashMap<>();
        for (String name : Checks.NAMES) none.put(name, CheckSettings.of(Action.PASS));
        return defaults(us).withChecks(none);
    }

    /** The settings of one check. */
    public CheckSettings check(String name) {
        CheckSettings s = checks.get(name);
        if (s == null) throw new IllegalArgumentException("unknown check '" + name + "'");
        return s;
    }

    public PolicySettings withMode(Mode m) {
        return new PolicySettings(m, rejectAt, checks, maxDelay, exemptAuthenticated, exemptRelayClients, heloCheckHeader, whitelist, us);
    }

    public PolicySettings withRejectAt(RejectAt r) {
        return new PolicySettings(mode, r, checks, maxDelay, exemptAuthenticated, exemptRelayClients, heloCheckHeader, whitelist, us);
    }

    public PolicySettings withChecks(Map<String, CheckSettings> c) {
        return new PolicySettings(mode, rejectAt, c, maxDelay, exemptAuthenticated, exemptRelayClients, heloCheckHeader, whitelist, us);
    }

    public PolicySettings withCheck(String name, CheckSettings s) {
        check(name);
        Map<String, CheckSettings> c = new LinkedHashMap<>(checks);
        c.put(name, s);
        return withChecks(c);
    }

    /** The check's action, keeping its delay (a {@code delay} action without one gets {@link #DEFAULT_DELAY}). */
    public PolicySettings withAction(String name, Action a) { return withCheck(name, check(name).withAction(a)); }

    public PolicySettings withDelay(String name, Duration d) { return withCheck(name, check(name).withDelay(d)); }

    public PolicySettings withMaxDelay(Duration d) {
        return new PolicySettings(mode, rejectAt, checks, d, exemptAuthenticated, exemptRelayClients, heloCheckHeader, whitelist, us);
    }

    public PolicySettings withExemptAuthenticated(boolean b) {
        return new PolicySettings(mode, rejectAt, checks, maxDelay, b, exemptRelayClients, heloCheckHeader, whitelist, us);
    }

    public PolicySettings withExemptRelayClients(boolean b) {
        return new PolicySettings(mode, rejectAt, checks, maxDelay, exemptAuthenticated, b, heloCheckHeader, whitelist, us);
    }

    public PolicySettings withHeloCheckHeader(boolean b) {
        return new PolicySettings(mode, rejectAt, checks, maxDelay, exemptAuthenticated, exemptRelayClients, b, whitelist, us);
    }

    public PolicySettings withWhitelist(Path file) {
        return new PolicySettings(mode, rejectAt, checks, maxDelay, exemptAuthenticated, exemptRelayClients, heloCheckHeader,
                Optional.of(file), us);
    }

    public PolicySettings withUs(OwnIdentity identity) {
        return new PolicySettings(mode, rejectAt, checks, maxDelay, exemptAuthenticated, exemptRelayClients, heloCheckHeader,
                whitelist, identity);
    }

    /**
     * These settings with helodnscheck's {@code HELO_DNS_CHECK} flags applied (see the class
     * comment); other checks are left as they are.
     *
     * @throws IllegalArgumentException for a letter helodnscheck does not have
     */
    public PolicySettings withHelodnscheck(String flags) {
        String f = flags.toUpperCase(Locale.ROOT);
        for (char c : f.toCharArray()) {
            if ("PBLHRDVI".indexOf(c) < 0) {
                throw new IllegalArgumentException("'" + c + "' is not a helodnscheck flag; use P, B, L, H, R, D, V, I");
            }
        }
        Action mild = f.contains("H") ? Action.HEADER : f.contains("L") ? Action.LOG : Action.PASS;
        CheckSettings deny = CheckSettings.of(Action.DENY);
        CheckSettings soft = CheckSettings.of(mild);
        boolean denyUnresolvable = f.contains("I") || !f.contains("P");
        return withCheck(HeloEmpty.NAME, deny)
                .withCheck(HeloUnresolvable.NAME, denyUnresolvable ? deny : soft)
                .withCheck(HeloUnverified.NAME, f.contains("B") ? deny : soft)
                .withCheck(HeloResolvesToUs.NAME, f.contains("V") ? deny : soft)
                .withCheck(HeloBogusName.NAME, f.contains("V") ? deny : soft)
                .withHeloCheckHeader(f.contains("H"))
                .withExemptRelayClients(f.contains("R"));
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /**
     * Parses a duration as written in config: {@code 45s}, {@code 2m}, {@code 1m30s}, {@code 500ms},
     * {@code 0}.
     *
     * @throws IllegalArgumentException saying what is expected
     */
    public static Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("0")) return Duration.ZERO;
        Matcher m = DURATION.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            end = m.end();
        }
        if (end == 0 || end != t.length()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 20s, 2m or 1m30s");
        }
        return total;
    }

    private static Map<String, CheckSettings> defaultChecks() {
        CheckSettings delay = CheckSettings.of(Action.DELAY, DEFAULT_DELAY);
        CheckSettings delayDeny = CheckSettings.of(Action.DENY, DEFAULT_DELAY);
        CheckSettings log = CheckSettings.of(Action.LOG);
        Map<String, CheckSettings> m = new LinkedHashMap<>();
        m.put(ClientNoPtr.NAME, delay);
        m.put(ClientPtrUnconfirmed.NAME, delay);
        m.put(EarlyTalker.NAME, CheckSettings.of(Action.DENY));
        m.put(HeloEmpty.NAME, delayDeny);
        m.put(HeloSyntax.NAME, delayDeny);
        m.put(HeloBareIp.NAME, delayDeny);
        m.put(HeloAddressLiteral.NAME, delay);
        m.put(HeloLiteralMismatch.NAME, delay);
        m.put(HeloOurAddress.NAME, delayDeny);
        m.put(HeloOurHostname.NAME, delayDeny);
        m.put(HeloOurDomain.NAME, delayDeny);
        m.put(HeloOurSubdomain.NAME, delay);
        m.put(HeloBogusName.NAME, delay);
        m.put(HeloNotFqdn.NAME, delay);
        m.put(HeloBadDots.NAME, log);
        m.put(HeloEmbeddedIp.NAME, delay);
        m.put(HeloUnresolvable.NAME, log);
        m.put(HeloUnverified.NAME, delay);
        m.put(HeloResolvesToUs.NAME, delayDeny);
        m.put(HeloMissing.NAME, delayDeny);
        m.put(BogusBounce.NAME, CheckSettings.of(Action.DENY));
        m.put(DnsblListed.NAME, CheckSettings.of(Action.DROP, DEFAULT_DELAY));
        m.put(DnsblWarning.NAME, CheckSettings.of(Action.HEADER, DEFAULT_DELAY));
        m.put(HeaderSyntax.NAME, CheckSettings.of(Action.DENY));
        m.put(HeaderMissingDate.NAME, log);
        m.put(MailLoop.NAME, CheckSettings.of(Action.DENY));
        return Collections.unmodifiableMap(m);
    }
}
