package warden.recipient;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.AsciiCase;
import warden.mail.ClientText;
import warden.mail.Reply;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
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
 * <tr><td>{@code localhost}, our host name or a local domain, client may not relay, and the
 *     mailbox does not exist</td><td>550 5.1.1 unknown user</td></tr>
 * <tr><td>our domain, the aliases only loop back</td><td>550 5.4.6 routing loop</td></tr>
 * <tr><td>not our domain, client may not relay</td><td>550 5.7.1 relaying denied</td></tr>
 * <tr><td>not our domain, client may relay</td><td>Accepted: {@link Route.Remote}</td></tr>
 * <tr><td>{@code postmaster@} any of our domains, or plain {@code postmaster}</td><td>always accepted;
 *     {@code Mailbox("postmaster")} unless the domain's file routes it</td></tr>
 * </table>
 *
 * <p>Our domains, all case-insensitive: {@code localhost}, our own host name, the configured
 * local domains, and every virtual domain. A virtual-domain file for a name wins over the other
 * rules, as the virtual router runs first in the seed. Local mailbox names are the local part with
 * its ASCII letters lowered ({@link AsciiCase}: a non-ASCII local part is never folded onto an
 * ASCII mailbox) and must pass {@link LocalPart#isMailboxName}. A target without {@code @} is a
 * local mailbox (Exim qualifies it with the primary host name, which is local).
 *
 * <p>Mailboxes are not created by strangers: a client that may not relay reaches
 * {@code user@localhost} (or our host name, or a local domain) only when the mailbox exists
 * ({@link LocalMailboxes}: its Maildir directory, or the {@code local_users} file) or a
 * virtual-domain file names it as a target; otherwise 550 5.1.1. Clients that may relay
 * ({@code relay_networks}, authenticated) may still send to any valid mailbox name, whose Maildir
 * is created on delivery, as before: they are the site's own machines.
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
 * <p>Not done: checking for a Unix account; {@code .forward} files and Sieve; quoted local parts (refused);
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
    private final LocalMailboxes mailboxes;
    private volatile NamedTargets namedTargets = new NamedTargets(List.of(), Set.of());

    /** The local mailboxes that the virtual-domain files name as targets, for these tables. */
    private record NamedTargets(List<AliasTable> tables, Set<String> users) {}

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

    /**
     * A router over an existing {@link VirtualDomains} (to share it, or to choose the recheck
     * interval) that knows no local mailbox beyond the targets of the virtual-domain files.
     */
    public DomainRouter(String hostname, VirtualDomains virtual, Set<String> localDomains) {
        this(hostname, virtual, localDomains, LocalMailboxes.NONE);
    }

    /**
     * @param mailboxes the local mailboxes that exist, which clients that may not relay can reach
     *        at {@code localhost}, our host name and the local domains
     */
    public DomainRouter(String hostname, VirtualDomains virtual, Set<String> localDomains, LocalMailboxes mailboxes) {
        this.mailboxes = mailboxes;
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
            if (AsciiCase.equalsIgnoreCase(address, POSTMASTER)) return accept(List.of(new Route.Mailbox(POSTMASTER)));
            return refuse(550, "5.1.3", "<" + shown(address) + ">: an address needs a domain", "no domain");
        }
        String local = address.substring(0, at);
        String domain = domain(address.substring(at + 1));
        if (domain.isEmpty()) return refuse(550, "5.1.3", "<" + shown(address) + ">: the domain is empty", "empty domain");
        Optional<String> bad = LocalPart.illegal(local);
        if (bad.isPresent()) return refuse(550, "5.1.3", "<" + shown(address) + ">: " + bad.get(), bad.get());
        if (!isOurDomain(domain)) {
            if (mayRelay) return accept(List.of(new Route.Remote(address)));
            return refuse(550, "5.7.1", "<" + shown(address) + ">: relaying denied; " + domain + " is not a domain of ours",
                    "relay denied");
        }
        return switch (routeOurs(local, domain, new ArrayList<>(), new int[] {0}, !mayRelay)) {
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
        problems.addAll(mailboxes.problems());
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

    /**
     * Routes {@code local@domain}, a domain of ours; {@code ancestors} are the addresses that led
     * here; {@code existingOnly}: a plain local mailbox must already exist (a client that may not
     * relay, addressing it directly rather than through a virtual-domain file).
     */
    private Outcome routeOurs(String local, String domain, List<String> ancestors, int[] budget, boolean existingOnly) {
        String lower = AsciiCase.lower(local);
        String key = lower + "@" + domain;
        Outcome o = expand(lower, domain, key, ancestors, budget, existingOnly);
        // RFC 5321 4.5.1: postmaster@ each of our domains must be deliverable, whatever the file says.
        if (o instanceof Failed && lower.equals(POSTMASTER)) return routed(new Route.Mailbox(POSTMASTER));
        return o;
    }

    private Outcome expand(String lower, String domain, String key, List<String> ancestors, int[] budget,
                           boolean existingOnly) {
        if (ancestors.contains(key) || ancestors.size() > MAX_DEPTH || ++budget[0] > MAX_ADDRESSES) {
            return loop(key, "routing loop: " + String.join(" -> ", ancestors) + " -> " + key);
        }
        Optional<AliasTable> table = virtual.table(domain);
        if (table.isEmpty()) {
            if (!LocalPart.isMailboxName(lower)) {
                return new Failed(Reply.of(550, "5.1.3", "<" + shown(key) + ">: not a valid mailbox name here"),
                        "not a mailbox name: " + lower);
            }
            if (existingOnly && !mailboxExists(lower)) {
                return new Failed(Reply.of(550, "5.1.1", "<" + key + ">: unknown user"), "no such mailbox " + key);
            }
            return routed(new Route.Mailbox(lower));
        }
        Optional<AliasTable.Entry> entry = table.get().lookup(lower);
        if (entry.isEmpty()) {
            return new Failed(Reply.of(550, "5.1.1", "<" + shown(key) + ">: unknown user"), "unknown user " + key);
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
        return new Failed(Reply.of(550, "5.1.1", "<" + shown(key) + ">: unknown user"), first.reason());
    }

    private static Failed loop(String key, String reason) {
        return new Failed(Reply.of(550, LOOP, "<" + shown(key) + ">: routing loop in our aliases"), reason);
    }

    private Outcome routeTarget(String target, List<String> ancestors, int[] budget) {
        int at = target.lastIndexOf('@');
        String local = at < 0 ? target : target.substring(0, at);
        String domain = at < 0 ? LOCALHOST : domain(target.substring(at + 1));
        Optional<String> bad = LocalPart.illegal(local);
        if (bad.isPresent()) {
            return new Failed(Reply.of(550, "5.1.1", "<" + shown(target) + ">: unknown user"), target + ": " + bad.get());
        }
        if (!isOurDomain(domain)) return routed(new Route.Remote(at < 0 ? target + "@" + domain : target));
        return routeOurs(local, domain, ancestors, budget, false);
    }

    /** Whether the local mailbox {@code user} exists, or a virtual-domain file names it as a target. */
    private boolean mailboxExists(String user) {
        return mailboxes.exists(user) || namedByVirtualDomains().contains(user);
    }

    /** The local mailboxes named as targets in the virtual-domain files; recomputed when a file changes. */
    private Set<String> namedByVirtualDomains() {
        List<AliasTable> tables = new ArrayList<>();
        for (String d : virtual.domains()) virtual.table(d).ifPresent(tables::add);
        NamedTargets cached = namedTargets;
        if (sameTables(cached.tables(), tables)) return cached.users();
        Set<String> users = new HashSet<>();
        for (AliasTable table : tables) {
            for (AliasTable.Entry e : table.entries().values()) {
                for (String target : e.targets()) {
                    int at = target.lastIndexOf('@');
                    String domain = at < 0 ? LOCALHOST : domain(target.substring(at + 1));
                    // a target in a virtual domain is routed by that domain's file, not to a mailbox of its name
                    if (localDomains.contains(domain) && virtual.table(domain).isEmpty()) {
                        users.add(AsciiCase.lower(at < 0 ? target : target.substring(0, at)));
                    }
                }
            }
        }
        namedTargets = new NamedTargets(List.copyOf(tables), Set.copyOf(users));
        return users;
    }

    private static boolean sameTables(List<AliasTable> a, List<AliasTable> b) {
        if (a.size() != b.size()) return false;
        for (int i = 0; i < a.size(); i++) if (a.get(i) != b.get(i)) return false;
        return true;
    }

    /** An address as it may appear in a reply: non-printable characters escaped. */
    private static String shown(String address) {
        return ClientText.escape(address);
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
        String s = AsciiCase.lower(d.strip());
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
