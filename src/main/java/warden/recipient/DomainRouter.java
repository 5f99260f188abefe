package warden.recipient;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.Reply;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies recipients at RCPT and routes them: virtual-domain files first, then the local domains
 * (whose local part is a mailbox of the same name), then relaying for clients that may relay.
 *
 * <p>The routing is the seed's Exim configuration in one class: {@code router_virtualdomains}
 * (a file per domain; an entry's targets start a new routing round, exact key before {@code *}),
 * then {@code router_localuser} for {@code localhost}, and no other router. Verdicts:
 * <table>
 * <caption>What a recipient gets</caption>
 * <tr><td>local part starts with a dot, contains {@code @ % ! / |}, or is quoted</td><td>550 5.1.3</td></tr>
 * <tr><td>our domain, no entry and no {@code *}</td><td>550 5.1.1 unknown user</td></tr>
 * <tr><td>our domain, the aliases only loop back</td><td>550 5.4.6 routing loop</td></tr>
 * <tr><td>not our domain, client may not relay</td><td>550 5.7.1 relaying denied</td></tr>
 * <tr><td>not our domain, client may relay</td><td>Accepted: {@link Route.Remote}</td></tr>
 * <tr><td>{@code postmaster@} any of our domains, or plain {@code postmaster}</td><td>always accepted;
 *     {@code Mailbox("postmaster")} unless the domain's file routes it</td></tr>
 * </table>
 *
 * <p>Our domains, all case-insensitive: {@code localhost}, our own host name, the configured
 * local domains, and every virtual domain. A virtual-domain file for a name wins over the other
 * rules, as the virtual router runs first in the seed. Local mailbox names are the lower-cased
 * local part and must pass {@link LocalPart#isMailboxName}. A target without {@code @} is a local
 * mailbox (Exim qualifies it with the primary host name, which is local).
 *
 * <p>Loops: a target that is an ancestor of itself ({@code a -> b -> a}) is a loop, as is a chain
 * deeper than {@value #MAX_DEPTH}. That branch is dropped and logged, like Exim's
 * {@code check_ancestor}; the other targets still receive the mail. If nothing is left the address
 * is refused with 550 5.4.6 (RFC 3463: routing loop detected), which tells the sender the fault is
 * ours and permanent until the file is fixed. A target in one of our domains that routes nowhere
 * (unknown user) is dropped and logged the same way. {@link #validate()} reports both, with the
 * file and line, so {@code warden config check} finds them before a sender does.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.5.1 (postmaster must be accepted), 3.6.2 (relaying only when authorized),
 * 4.1.2 (local-part syntax); RFC 3463 (5.1.1, 5.1.3, 5.4.6, 5.7.1).
 *
 * <p>Not done: checking that a local mailbox has a Unix account or existing directory (Warden
 * creates Maildirs on demand); {@code .forward} files and Sieve; quoted local parts (refused);
 * recognising our own IP address literals as our domain.
 */
public final class DomainRouter implements RecipientVerifier {

    static final int MAX_DEPTH = 10;
    private static final int MAX_ADDRESSES = 200;
    private static final String POSTMASTER = "postmaster";
    private static final String LOCALHOST = "localhost";
    private static final String LOOP = "5.4.6";
    private static final Logger LOG = LoggerFactory.getLogger(DomainRouter.class);

    private final String hostname;
    private final Set<String> localDomains;
    private final VirtualDomains virtual;

    /**
     * @param hostname our fully qualified host name
     * @param virtualDomains the directory of virtual-domain files (need not exist)
     * @param localDomains further domains whose local parts are mailboxes of the same name
     * @param clock decides when the domain files are looked at again (every second)
     */
    public DomainRouter(String hostname, Path virtualDomains, Set<String> localDomains, Clock clock) {
        this(hostname, new VirtualDomains(virtualDomains, clock, Duration.ofSeconds(1)), localDomains);
    }

    /** As above, with the system clock. */
    public DomainRouter(String hostname, Path virtualDomains, Set<String> localDomains) {
        this(hostname, virtualDomains, localDomains, Clock.systemUTC());
    }

    /** A router over an existing {@link VirtualDomains} (to share it, or to choose the recheck interval). */
    public DomainRouter(String hostname, VirtualDomains virtual, Set<String> localDomains) {
        this.hostname = domain(hostname);
        Set<String> d = new HashSet<>();
        for (String s : localDomains) d.add(domain(s));
        d.add(LOCALHOST);
        d.add(this.hostname);
        this.localDomains = Set.copyOf(d);
        this.virtual = virtual;
    }

    /** Whether mail for {@code domain} (any case, trailing dot allowed) is delivered here. */
    public boolean isOurDomain(String domain) {
        String d = domain(domain);
        return localDomains.contains(d) || virtual.table(d).isPresent();
    }

    /** Every domain we receive mail for right now, lower case. */
    public Set<String> ourDomains() {
        Set<String> all = new HashSet<>(localDomains);
        all.addAll(virtual.domains());
        return Set.copyOf(all);
    }

    @Override
    public RecipientVerdict verify(String address, boolean mayRelay) {
        int at = address.lastIndexOf('@');
        if (at < 0) {
            // RFC 5321 4.5.1: "RCPT TO:<Postmaster>" without a domain must be accepted.
            if (address.equalsIgnoreCase(POSTMASTER)) return accept(List.of(new Route.Mailbox(POSTMASTER)));
            return refuse(550, "5.1.3", "<" + address + ">: an address needs a domain", "no domain");
        }
        String local = address.substring(0, at);
        String domain = domain(address.substring(at + 1));
        if (domain.isEmpty()) return refuse(550, "5.1.3", "<" + address + ">: the domain is empty", "empty domain");
        Optional<String> bad = LocalPart.illegal(local);
        if (bad.isPresent()) return refuse(550, "5.1.3", "<" + address + ">: " + bad.get(), bad.get());
        if (!isOurDomain(domain)) {
            if (mayRelay) return accept(List.of(new Route.Remote(address)));
            return refuse(550, "5.7.1", "<" + address + ">: relaying denied; " + domain + " is not a domain of ours",
                    "relay denied");
        }
        return switch (routeOurs(local, domain, new ArrayList<>(), new int[] {0})) {
            case Routed r -> accept(List.copyOf(r.routes()));
            case Failed f -> new RecipientVerdict.Refused(f.reply(), f.reason());
        };
    }

    /**
     * Everything wrong with the virtual domains: malformed lines, and entries whose targets loop
     * or go to unknown users of ours. For {@code warden config check}.
     */
    public List<Problem> validate() {
        List<Problem> problems = new ArrayList<>(virtual.problems());
        for (String domain : virtual.domains()) {
            AliasTable table = virtual.table(domain).orElseThrow();
            for (AliasTable.Entry e : table.entries().values()) {
                for (String target : e.targets()) {
                    List<String> ancestors = new ArrayList<>();
                    if (!e.key().equals(AliasTable.WILDCARD)) ancestors.add(e.key() + "@" + domain);
                    if (routeTarget(target, ancestors, new int[] {0}) instanceof Failed f) {
                        problems.add(new Problem(table.file(), e.line(), "`" + e.key() + "`: the target `" + target
                                + "` cannot be delivered: " + f.reason(),
                                "point it at an existing address or add an entry for it"));
                    }
                }
            }
        }
        return problems;
    }

    private sealed interface Outcome permits Routed, Failed {}

    private record Routed(LinkedHashSet<Route> routes) implements Outcome {}

    private record Failed(Reply reply, String reason) implements Outcome {}

    /** Routes {@code local@domain}, a domain of ours; {@code ancestors} are the addresses that led here. */
    private Outcome routeOurs(String local, String domain, List<String> ancestors, int[] budget) {
        String lower = local.toLowerCase(Locale.ROOT);
        String key = lower + "@" + domain;
        Outcome o = expand(lower, domain, key, ancestors, budget);
        // RFC 5321 4.5.1: postmaster@ each of our domains must be deliverable, whatever the file says.
        if (o instanceof Failed && lower.equals(POSTMASTER)) return routed(new Route.Mailbox(POSTMASTER));
        return o;
    }

    private Outcome expand(String lower, String domain, String key, List<String> ancestors, int[] budget) {
        if (ancestors.contains(key) || ancestors.size() > MAX_DEPTH || ++budget[0] > MAX_ADDRESSES) {
            return loop(key, "routing loop: " + String.join(" -> ", ancestors) + " -> " + key);
        }
        Optional<AliasTable> table = virtual.table(domain);
        if (table.isEmpty()) {
            if (LocalPart.isMailboxName(lower)) return routed(new Route.Mailbox(lower));
            return new Failed(Reply.of(550, "5.1.3", "<" + key + ">: not a valid mailbox name here"),
                    "not a mailbox name: " + lower);
        }
        Optional<AliasTable.Entry> entry = table.get().lookup(lower);
        if (entry.isEmpty()) {
            return new Failed(Reply.of(550, "5.1.1", "<" + key + ">: unknown user"), "unknown user " + key);
        }
        ancestors.add(key);
        LinkedHashSet<Route> routes = new LinkedHashSet<>();
        Failed first = null;
        for (String target : entry.get().targets()) {
            switch (routeTarget(target, ancestors, budget)) {
                case Routed r -> routes.addAll(r.routes());
                case Failed f -> {
                    LOG.warn("{} (line {}): the target {} of {} is dropped: {}", table.get().file(),
                            entry.get().line(), target, key, f.reason());
                    if (first == null) first = f;
                }
            }
        }
        ancestors.removeLast();
        if (!routes.isEmpty()) return new Routed(routes);
        // Every branch failed: answer for this address, keeping the first cause for the log.
        if (first.reply().status().equals(LOOP)) return loop(key, first.reason());
        return new Failed(Reply.of(550, "5.1.1", "<" + key + ">: unknown user"), first.reason());
    }

    private static Failed loop(String key, String reason) {
        return new Failed(Reply.of(550, LOOP, "<" + key + ">: routing loop in our aliases"), reason);
    }

    private Outcome routeTarget(String target, List<String> ancestors, int[] budget) {
        int at = target.lastIndexOf('@');
        String local = at < 0 ? target : target.substring(0, at);
        String domain = at < 0 ? LOCALHOST : domain(target.substring(at + 1));
        Optional<String> bad = LocalPart.illegal(local);
        if (bad.isPresent()) {
            return new Failed(Reply.of(550, "5.1.1", "<" + target + ">: unknown user"), target + ": " + bad.get());
        }
        if (!isOurDomain(domain)) return routed(new Route.Remote(at < 0 ? target + "@" + domain : target));
        return routeOurs(local, domain, ancestors, budget);
    }

    private static Routed routed(Route r) {
        LinkedHashSet<Route> s = new LinkedHashSet<>();
        s.add(r);
        return new Routed(s);
    }

    private static RecipientVerdict.Accepted accept(List<Route> routes) {
        return new RecipientVerdict.Accepted(routes);
    }

    private static RecipientVerdict.Refused refuse(int code, String status, String text, String reason) {
        return new RecipientVerdict.Refused(Reply.of(code, status, text), reason);
    }

    /** Lower case, without the trailing dot of an absolute name. */
    private static String domain(String d) {
        String s = d.strip().toLowerCase(Locale.ROOT);
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
