package warden.policy;

import warden.mail.IpText;
import warden.dns.ClientIdentity;
import warden.dns.Resolver;
import warden.greylist.Greylist;
import warden.greylist.GreylistResult;
import warden.mail.AsciiCase;
import warden.mail.Reply;
import warden.policy.client.EarlyTalker;
import warden.policy.content.MailLoop;
import warden.policy.dnsbl.DnsListReport;
import warden.policy.dnsbl.DnsblListed;
import warden.policy.dnsbl.DnsblWarning;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The policy engine of the SMTP dialogue: runs the {@link Checks} stage by stage and turns their
 * findings into delays, headers and refusals, as {@link PolicySettings} says.
 *
 * <p>Rules that belong to the engine, not to any check:
 * <ul>
 *   <li><b>Sticky punishment.</b> A deny or drop earned at any stage stays for the connection: a
 *       new HELO replaces the earlier HELO's light findings (delays, defers) but never washes a
 *       gross one (seed 004: "all further attempts during the same SMTP connection are rejected
 *       even if client tries another HELO").</li>
 *   <li><b>Delays repeat.</b> Delays earned at connect and HELO are waited again at MAIL, and those
 *       of connect, HELO and MAIL at every RCPT (seed 004). Delays of one command add up and are
 *       capped at {@link PolicySettings#maxDelay()} (at most 4 minutes, under the 5 minutes RFC
 *       5321 section 4.5.3.2 gives a client for the greeting, MAIL and RCPT replies), and at
 *       {@value #DATA_DELAY_SECONDS} seconds at DATA, whose client timeout is 2 minutes. The engine
 *       never sleeps: the session waits {@link Decision#delay()} on its virtual thread.</li>
 *   <li><b>Where refusals are given.</b> With {@code reject_at: rcpt} (the default) every refusal
 *       earned at connect, HELO or MAIL is held until RCPT, where it is given for each recipient;
 *       with {@code reject_at: helo} it is given at once and repeated at every later stage.</li>
 *   <li><b>Postmaster.</b> {@code postmaster} and {@code postmaster@<our domain>} are never refused
 *       at RCPT (RFC 5321 section 4.5.1), whatever the client did.</li>
 *   <li><b>Exemptions.</b> Authenticated clients, relay clients and whitelisted hosts skip every
 *       check and are forgiven what they earned before (a mail client that authenticates after a
 *       sloppy EHLO); a check's own {@code exempt} list skips that check.</li>
 *   <li><b>Temporary failures.</b> A DNS TEMPFAIL means "could not tell": it is logged (and
 *       headed where the check heads), never a delay, defer or deny, at any stage and with any
 *       {@code reject_at} ({@link Ruling#of}); the check's other findings still count. A check
 *       that throws defers with 451 4.3.0 and is logged. Nothing temporary ever becomes a 5xx,
 *       and no DNS error detail ever reaches a reply.</li>
 *   <li><b>Report mode.</b> Every check runs; what would have been done is logged and put in
 *       {@code X-Helo-Check:} headers, and nothing is delayed or refused.</li>
 *   <li><b>RCPT and DATA findings are not sticky.</b> A bogus bounce is refused for that
 *       recipient only, a bad header for that message only.</li>
 *   <li><b>DNS lists</b> ({@link FrontLines#dnsLists()}) are asked once per connection, at the
 *       first RCPT (after an authenticated client is known, as the seed explains); a DNS
 *       whitelist listing exempts the client from the DNSBL checks and from greylisting.</li>
 *   <li><b>Greylisting</b> ({@link FrontLines#greylist()}) comes last, only when nothing else
 *       refuses (the seed's ACL order, so refused mail leaves no triplet behind): at RCPT for a
 *       sender, per recipient; at DATA for the null sender, over all recipients at once (seed
 *       004: greylisting bounces at RCPT breaks other sites' sender callouts, which never reach
 *       DATA). Grey defers with 451 4.7.1, black denies with 550 5.7.1, both in the seed's
 *       words. A message that passes after being deferred gets {@code X-Greylist: delayed N
 *       seconds by Warden} at DATA. Exempt, relay and authenticated clients, DNS-whitelisted
 *       ones and mail to {@code postmaster@} our domains are never greylisted. A store outage accepts (and logs) or defers, as
 *       {@code greylist.on_store_failure} says; it never rejects.</li>
 *   <li><b>Mail loops</b> are refused for every client, exempt ones too.</li>
 * </ul>
 *
 * <p>Replies: deny and drop 550 5.7.1 (554 5.7.1 instead of the banner); defer 450 4.7.1, 451 4.3.0
 * after a broken check (421 instead of the banner, closing).
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 3.1 (554 greeting), 4.5.1 (postmaster), 4.5.3.2 (timeouts); RFC 3463 (X.7.1,
 * X.4.3, X.3.0).
 *
 * <h2>Not done</h2>
 * No expiry of punishments across connections (postscreen's cache).
 */
public final class DialoguePolicy implements PolicyEngine {

    static final long DATA_DELAY_SECONDS = 100;

    /** The name of the greylist's findings in logs and {@code simulate}; not a configurable check (see {@code greylist.*}). */
    public static final String GREYLIST = "greylist";

    private final PolicySettings settings;
    private final Resolver resolver;
    private final Consumer<String> log;
    private final List<Check> checks;
    private final Map<Stage, List<Armed>> armed = new EnumMap<>(Stage.class);
    private final Map<String, Check> byName = new HashMap<>();
    private final Optional<HostWhitelist> whitelist;
    private final FrontLines lines;

    /**
     * A check the engine runs, with its stage and settings: looked up once, not at every decision
     * (asking each of a dozen check classes its stage is a megamorphic call per check per verdict).
     */
    private record Armed(Check check, Stage stage, CheckSettings settings) {
        Armed(Check check, CheckSettings settings) { this(check, check.stage(), settings); }
    }

    /**
     * An engine with the dialogue checks only: no greylist, no DNS list, no bounce-recipient files.
     *
     * @param settings the policy
     * @param resolver for the DNS checks and the client's identity when the front door gives none
     * @param log where findings and report-mode lines go (e.g. {@code MainLog::log})
     */
    public DialoguePolicy(PolicySettings settings, Resolver resolver, Consumer<String> log) {
        this(settings, resolver, log, FrontLines.none(resolver));
    }

    /**
     * @param settings the policy
     * @param resolver for the DNS checks and the client's identity when the front door gives none
     * @param log where findings and report-mode lines go (e.g. {@code MainLog::log})
     * @param lines the greylist, the DNS lists, the bounce recipients and the hop limit
     */
    public DialoguePolicy(PolicySettings settings, Resolver resolver, Consumer<String> log, FrontLines lines) {
        this.settings = settings;
        this.resolver = resolver;
        this.log = log;
        this.lines = lines;
        this.checks = Checks.all(resolver, settings.us(), lines.bounceRecipients(), lines.maxReceivedHeaders());
        for (Check c : checks) byName.put(c.name(), c);
        boolean report = settings.mode() == PolicySettings.Mode.REPORT;
        for (Stage stage : Stage.values()) {
            armed.put(stage, checks.stream().filter(c -> c.stage() == stage)
                    .map(c -> new Armed(c, settings.check(c.name())))
                    // A check set to pass is not run, except in report mode, which shows everything.
                    .filter(a -> report || a.settings().action() != Action.PASS)
                    .toList());
        }
        this.whitelist = settings.whitelist().map(file -> new HostWhitelist(file, log));
        this.needsIdentity = report || whitelist.isPresent()
                || armed.values().stream().anyMatch(a -> !a.isEmpty())
                || Stream.of(DnsblListed.NAME, DnsblWarning.NAME, EarlyTalker.NAME)
                        .anyMatch(name -> settings.check(name).action() != Action.PASS);
    }

    /**
     * Whether anything asks who the client is by name: a check that runs (its findings or its
     * {@code exempt} list), the whitelist, report mode. When nothing does (greylisting alone,
     * postgrey's job behind the Postfix door), the client's PTR and A lookups are not made.
     */
    private final boolean needsIdentity;

    public FrontLines lines() { return lines; }

    public PolicySettings settings() { return settings; }

    @Override
    public PolicySession open(InetAddress clientAddress) {
        return new Connection(clientAddress);
    }

    /**
     * The policy state of one connection. A connection is opened for every client, most of which
     * never earn a sticky punishment nor reach the greylist, so what only some need is made when
     * first needed (the collections, the address text of log lines).
     */
    private final class Connection implements PolicySession {

        private final InetAddress client;
        /** The client's address as log lines show it, {@code [192.0.2.1]}; see {@link #who()}. */
        private String who;
        private Optional<ClientIdentity> identity = Optional.empty();
        private Optional<String> exemption = Optional.empty();
        private boolean exemptionLogged;
        private Boolean listed;
        /** The rulings earned at each stage (on FAIL and TEMPFAIL findings: a PASS or SKIP costs nothing). */
        private List<Ruling> connect = List.of();
        private List<Ruling> helo = List.of();
        private List<Ruling> mail = List.of();
        /** The gross punishments earned so far, in order and each once (a handful at most); null until one is. */
        private List<Ruling> sticky;
        /** The DNS-list checks, bound to this connection's lookups: made at the first RCPT. */
        private List<Check> own;
        private List<Armed> armedHere;
        private DnsListReport dnsReport;
        /** This transaction's recipients that passed the greylist, with how long they had been delayed; null until one does. */
        private Map<String, Duration> greylistPassed;

        Connection(InetAddress client) {
            this.client = client;
        }

        /** The client as log lines name it: its address in brackets, written out at the first line. */
        private String who() {
            if (who == null) {
                // An IPv4 address in one concatenation (IpText goes through a StringBuilder); IPv6 in RFC 5952 text.
                byte[] b = client.getAddress();
                who = b.length == 4 ? "[" + (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff) + "]"
                        : IpText.bracketed(client);
            }
            return who;
        }

        /** The sticky rulings, in the order they were earned. */
        private List<Ruling> sticky() {
            return sticky == null ? List.of() : List.copyOf(sticky);
        }

        /** This connection's DNS-list checks, armed; made once, when a stage first needs them. */
        private List<Armed> armedHere() {
            if (armedHere == null) {
                own = List.of(new DnsblListed(this::dnsLists), new DnsblWarning(this::dnsLists));
                boolean report = settings.mode() == PolicySettings.Mode.REPORT;
                armedHere = own.stream().map(c -> new Armed(c, settings.check(c.name())))
                        .filter(a -> report || a.settings().action() != Action.PASS).toList();
            }
            return armedHere;
        }

        /** The check named {@code name}: the engine's, or this connection's DNS-list checks. */
        private Check check(String name) {
            Check c = byName.get(name);
            if (c == null && own != null) c = own.stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
            return c;
        }

        /** What the DNS lists say about the client, asked once per connection. */
        private DnsListReport dnsLists() {
            if (dnsReport == null) dnsReport = lines.dnsLists().lookup(client);
            return dnsReport;
        }

        @Override
        public Decision decide(SessionSnapshot snapshot) {
            try {
                Stage stage = snapshot.stage();
                SessionSnapshot s = snapshot;
                exemption = exemption(s);
                if (exemption.isEmpty()) {
                    s = withIdentity(s);
                    exemption = whitelisted();
                }
                if (stage == Stage.MAIL) greylistPassed = null; // a new transaction
                if (exemption.isPresent()) {
                    Decision free = exempt(stage, exemption.get());
                    if (stage != Stage.DATA) return free;
                    // A loop is a loop whoever sends it: the one check exempt clients also get.
                    Ran loop = run(s, c -> c.name().equals(MailLoop.NAME));
                    return loop.rulings().stream().anyMatch(r -> r.action().refuses())
                            ? judge(stage, loop, Optional.empty()) : free;
                }
                Ran now = run(s, c -> true);
                switch (stage) {
                    case CONNECT -> connect = now.rulings();
                    case HELO -> helo = now.rulings();
                    case MAIL -> mail = now.rulings();
                    default -> { }
                }
                Decision d = judge(stage, now, s.recipient());
                return stage == Stage.RCPT || stage == Stage.DATA ? greylist(d, s) : d;
            } catch (RuntimeException e) {
                // Fail soft: a bug in the engine defers, it never rejects.
                log.accept("policy " + who() + " " + snapshot.stage().label() + ": internal error, deferring: " + e);
                boolean banner = snapshot.stage() == Stage.CONNECT;
                return new Decision(new Verdict.Refuse(Reply.of(banner ? 421 : 451, "4.3.0",
                        "temporary local problem; try again later"), banner), Duration.ZERO, List.of(), List.of());
            }
        }

        @Override
        public void tlsStarted() {
            // RFC 3207 4.2: the greeting and any transaction are forgotten; the client's address is not.
            helo = List.of();
            mail = List.of();
            greylistPassed = null;
        }

        @Override
        public Decision clientTalkedEarly() {
            if (exemption.isPresent()) return exempt(Stage.CONNECT, exemption.get());
            CheckSettings cs = settings.check(EarlyTalker.NAME);
            if (cs.action() == Action.PASS || cs.exempt().matches(client, confirmedName())) return Decision.proceed();
            Ruling r = Ruling.of(EarlyTalker.finding(), cs);
            note(Stage.CONNECT, List.of(r));
            connect = Stream.concat(connect.stream(), Stream.of(r)).toList();
            return judge(Stage.CONNECT, new Ran(List.of(r.finding()), List.of(r)), Optional.empty());
        }

        private Optional<String> exemption(SessionSnapshot s) {
            if (settings.exemptAuthenticated() && s.authenticated()) return Optional.of("the client is authenticated");
            if (settings.exemptRelayClients() && s.relayClient()) return Optional.of("the client is in relay_networks");
            return Optional.empty();
        }

        /** Whether the whitelist names the client; asked once per connection. */
        private Optional<String> whitelisted() {
            if (listed == null) listed = whitelist.map(w -> w.current().matches(client, confirmedName())).orElse(false);
            return listed ? Optional.of("the client is whitelisted") : Optional.empty();
        }

        private Optional<String> confirmedName() {
            return identity.flatMap(ClientIdentity::confirmedName);
        }

        /** The snapshot with the client's DNS identity, looked up once per connection if the front door gave none. */
        private SessionSnapshot withIdentity(SessionSnapshot s) {
            if (s.identity().isPresent()) {
                identity = s.identity();
                return s;
            }
            if (!needsIdentity) return s;
            if (identity.isEmpty()) identity = Optional.of(ClientIdentity.lookup(resolver, client));
            return new SessionSnapshot(s.stage(), s.clientAddress(), s.clientPort(), s.localAddress(), identity,
                    s.heloVerb(), s.heloName(), s.authenticatedUser(), s.tls(), s.relayClient(), s.reversePath(),
                    s.recipients(), s.recipient(), s.message());
        }

        private Decision exempt(Stage stage, String why) {
            if (!exemptionLogged) {
                log.accept("policy " + who() + " exempt from checks: " + why);
                exemptionLogged = true;
            }
            // Forgiven: what was earned before the client proved itself no longer counts.
            connect = List.of();
            helo = List.of();
            mail = List.of();
            sticky = null;
            List<Finding> skipped = Stream.concat(checks.stream(), stage == Stage.RCPT ? armedHere().stream().map(Armed::check) : Stream.empty())
                    .filter(c -> c.stage() == stage)
                    .map(c -> c.skip("exempt: " + why)).toList();
            return new Decision(Verdict.CONTINUE, Duration.ZERO, List.of(), skipped);
        }

        /**
         * What the checks of one stage found, in running order, and the rulings on the findings
         * that can cost the client something (FAIL and TEMPFAIL). A PASS or SKIP finding is ruled
         * {@code pass} with no delay ({@link Ruling#of}): it is never logged, carried, sticky or
         * headed, so it is not ruled on at all. Most findings of most verdicts are PASS or SKIP.
         */
        private record Ran(List<Finding> findings, List<Ruling> rulings) {}

        /** Runs the stage's checks that {@code which} selects; a check that throws is ruled broken, the others go on. */
        private Ran run(SessionSnapshot s, java.util.function.Predicate<Check> which) {
            List<Armed> stageChecks = armed.get(s.stage());
            if (s.stage() == Stage.RCPT && !armedHere().isEmpty()) {
                stageChecks = new ArrayList<>(stageChecks);
                stageChecks.addAll(armedHere());
            }
            Finding[] found = new Finding[stageChecks.size()];
            int n = 0;
            List<Ruling> rulings = List.of();
            for (Armed a : stageChecks) {
                Check c = a.check();
                if (a.stage() != s.stage() || !which.test(c)) continue;
                CheckSettings cs = a.settings();
                Finding f;
                Ruling r;
                if (!cs.exempt().isEmpty() && cs.exempt().matches(client, confirmedName())) {
                    f = c.skip("exempt from this check");
                    r = null;
                } else {
                    try {
                        f = c.check(s);
                        r = f.outcome() == Finding.Outcome.FAIL || f.outcome() == Finding.Outcome.TEMPFAIL ? Ruling.of(f, cs) : null;
                    } catch (RuntimeException e) {
                        r = Ruling.broken(c.name(), e);
                        f = r.finding();
                    }
                }
                found[n++] = f;
                if (r == null) continue;
                if (rulings.isEmpty()) rulings = new ArrayList<>();
                rulings.add(r);
            }
            note(s.stage(), rulings);
            // Gross faults of the client stick to the connection; a recipient's or a message's do not.
            if (s.stage().compareTo(Stage.RCPT) < 0) {
                for (int i = 0; i < rulings.size(); i++) {
                    Ruling r = rulings.get(i);
                    if (!r.action().sticky()) continue;
                    if (sticky == null) sticky = new ArrayList<>(4);
                    if (!sticky.contains(r)) sticky.add(r);
                }
            }
            return new Ran(List.of(n == found.length ? found : Arrays.copyOf(found, n)), rulings);
        }

        private void note(Stage stage, List<Ruling> rulings) {
            String prefix = settings.mode() == PolicySettings.Mode.REPORT ? "report: would " : "";
            for (int i = 0; i < rulings.size(); i++) {
                Ruling r = rulings.get(i);
                if (!r.noteworthy()) continue;
                log.accept("policy " + who() + " " + stage.label() + " " + r.finding().check() + " "
                        + r.finding().outcome().label()
                        + " (" + prefix + r.describe() + "): " + r.finding().reason());
            }
        }

        /** Turns what this stage's checks found and what the connection carries into the decision. */
        private Decision judge(Stage stage, Ran ran, Optional<String> recipient) {
            List<Ruling> now = ran.rulings();
            List<Ruling> carried = switch (stage) {
                case MAIL -> concat(connect, helo, sticky());
                case RCPT -> concat(connect, helo, mail, sticky());
                case HELO -> settings.rejectAt() == PolicySettings.RejectAt.HELO
                        ? concat(sticky(), connect) : List.of();
                default -> List.of();
            };
            if (!carried.isEmpty()) carried = carried.stream().filter(r -> !now.contains(r)).distinct().toList();

            Duration delay = Duration.ZERO;
            for (Ruling r : concat(now, stage == Stage.HELO ? List.of() : carried)) {
                if (!r.delay().isZero()) delay = delay.isZero() ? r.delay() : delay.plus(r.delay());
            }
            boolean dataCap = stage == Stage.DATA && settings.maxDelay().toSeconds() > DATA_DELAY_SECONDS;
            Duration cap = dataCap ? Duration.ofSeconds(DATA_DELAY_SECONDS) : settings.maxDelay();
            Duration asked = delay;
            if (delay.compareTo(cap) > 0) delay = cap;

            boolean given = settings.rejectAt() == PolicySettings.RejectAt.HELO || stage == Stage.RCPT || stage == Stage.DATA;
            boolean postmaster = stage == Stage.RCPT && recipient.map(this::isPostmaster).orElse(false);
            Optional<Ruling> refusal = given && !postmaster
                    ? concat(now, carried).stream().filter(r -> r.action().refuses())
                            .max(Comparator.comparing(Ruling::action)
                                    .thenComparing(r -> r.cause() == Ruling.Cause.POLICY))
                    : Optional.empty();

            List<Finding> findings;
            if (carried.isEmpty()) {
                findings = ran.findings(); // the usual case (HELO, and any stage of a clean connection)
            } else {
                findings = new ArrayList<>(ran.findings().size() + carried.size());
                findings.addAll(ran.findings());
                for (Ruling r : carried) {
                    if (r.delay().isPositive() || r.action().refuses()) findings.add(r.finding());
                }
                // One finding per check ran now; only what was carried can repeat one.
                findings = findings.stream().distinct().toList();
            }

            // Headers a recipient or a message earned now (a DNSBL warning), unless they are refused.
            List<Ruling> tagging = stage == Stage.RCPT || stage == Stage.DATA
                    ? now.stream().filter(r -> !r.action().refuses()).toList() : List.of();
            if (settings.mode() == PolicySettings.Mode.REPORT) {
                refusal.flatMap(r -> reply(r, stage)).ifPresent(reply ->
                        log.accept("policy " + who() + " report: would refuse " + stage.label() + " with " + reply));
                if (delay.isPositive()) {
                    log.accept("policy " + who() + " report: would delay " + stage.label() + " by " + delay.toSeconds() + "s");
                }
                return new Decision(Verdict.CONTINUE, Duration.ZERO, headers(tagging), findings);
            }
            if (delay.isPositive()) noteDelay(stage, delay, asked, !dataCap);
            Verdict verdict = refusal.flatMap(r -> reply(r, stage)
                            .map(reply -> (Verdict) new Verdict.Refuse(reply, r.action() == Action.DROP
                                    || (stage == Stage.CONNECT && reply.isTransient()))))
                    .orElse(Verdict.CONTINUE);
            return new Decision(verdict, delay, headers(tagging), findings);
        }

        /**
         * The main log's line for the delay the client is actually held, after {@code policy.max_delay}
         * (or the DATA cap): {@code policy [ip] rcpt delay 240s (the checks asked 300s; capped by policy.max_delay)}.
         */
        private void noteDelay(Stage stage, Duration delay, Duration asked, boolean byMaxDelay) {
            log.accept("policy " + who() + " " + stage.label() + " delay " + delay.toSeconds() + "s"
                    + (asked.compareTo(delay) > 0 ? " (the checks asked " + asked.toSeconds() + "s; capped by "
                            + (byMaxDelay ? "policy.max_delay" : "the " + DATA_DELAY_SECONDS + "s DATA limit") + ")" : ""));
        }

        /** The ruling's refusal in its check's own words if it has some, else the standard reply. */
        private Optional<Reply> reply(Ruling r, Stage stage) {
            Check c = check(r.finding().check());
            if (c != null && r.cause() == Ruling.Cause.POLICY && r.action().refuses()) {
                Optional<Reply> own = c.refusal(r.finding(), r.action().sticky());
                if (own.isPresent()) return own;
            }
            return r.reply(stage);
        }

        /** Headers for what the connection and this transaction earned, and for {@code extra} rulings of this stage. */
        private List<String> headers(List<Ruling> extra) {
            boolean report = settings.mode() == PolicySettings.Mode.REPORT;
            boolean everyFinding = settings.heloCheckHeader() || report;
            // The usual case, no header at all, without building a list or a stream.
            if (!earnsHeader(connect, everyFinding) && !earnsHeader(helo, everyFinding) && !earnsHeader(mail, everyFinding)
                    && !earnsHeader(extra, everyFinding) && (sticky == null || !earnsHeader(sticky, everyFinding))) {
                return List.of();
            }
            return concat(connect, helo, sticky(), mail, extra).stream().distinct()
                    .filter(r -> earnsHeader(r, everyFinding))
                    .map(r -> header(r, report))
                    .distinct()
                    .toList();
        }

        private static boolean earnsHeader(List<Ruling> rulings, boolean everyFinding) {
            for (int i = 0; i < rulings.size(); i++) {
                if (earnsHeader(rulings.get(i), everyFinding)) return true;
            }
            return false;
        }

        private static boolean earnsHeader(Ruling r, boolean everyFinding) {
            return r.action() == Action.HEADER || (everyFinding && r.noteworthy());
        }

        /** A check's own header for its failure ({@code X-DNSbl-Warning:}), or an {@code X-Helo-Check:} line. */
        private String header(Ruling r, boolean report) {
            Check c = check(r.finding().check());
            if (!report && c != null && r.finding().outcome() == Finding.Outcome.FAIL) {
                Optional<String> own = c.header(r.finding());
                if (own.isPresent()) return own.get();
            }
            return "X-Helo-Check: " + r.finding().check() + " " + r.finding().outcome().label()
                    + (report ? " (report: would " + r.describe() + ")" : "") + "; " + Check.oneLine(r.finding().reason());
        }

        // ------------------------------------------------------------ greylisting

        /**
         * The greylist's word on a decision that lets the recipient (RCPT) or message (DATA)
         * through: grey defers, black denies, a delayed pass adds {@code X-Greylist:} at DATA.
         */
        private Decision greylist(Decision d, SessionSnapshot s) {
            if (lines.greylist().isEmpty() || d.refusal().isPresent()) return d;
            Greylist greylist = lines.greylist().get();
            Stage stage = s.stage();
            boolean bounce = s.nullSender();
            if (stage == Stage.RCPT && bounce) return with(d, Finding.Outcome.SKIP, "the null sender is greylisted at DATA", List.of());
            if (stage == Stage.DATA && !bounce) {
                Duration delayed = s.recipients().stream()
                        .map(r -> greylistPassed == null ? Duration.ZERO : greylistPassed.getOrDefault(r, Duration.ZERO))
                        .max(Comparator.naturalOrder()).orElse(Duration.ZERO);
                return with(d, null, null, new GreylistResult.Pass(delayed, false, false).header().stream().toList());
            }
            if (s.relayClient() || s.authenticated()) {
                return with(d, Finding.Outcome.SKIP, "relay and authenticated clients are not greylisted", List.of());
            }
            if (dnsLists().whitelisted().isPresent()) {
                return with(d, Finding.Outcome.SKIP, "whitelisted by " + dnsLists().whitelisted().get(), List.of());
            }
            // RFC 5321 4.5.1: postmaster@ our domains is accepted, so never greylisted (the seed's
            // ACL accepts it before greylisting); a bounce is greylisted over its other recipients.
            if (stage == Stage.RCPT && s.recipient().map(this::isPostmaster).orElse(false)) {
                return with(d, Finding.Outcome.SKIP, "postmaster is never greylisted", List.of());
            }
            String sender = s.reversePath().orElse("");
            String recipient = stage == Stage.RCPT ? s.recipient().orElse("")
                    : String.join(",", s.recipients().stream().filter(r -> !isPostmaster(r))
                            .map(AsciiCase::lower).sorted().toList());
            if (recipient.isEmpty()) {
                return stage == Stage.DATA ? with(d, Finding.Outcome.SKIP, "postmaster is never greylisted", List.of()) : d;
            }
            boolean report = settings.mode() == PolicySettings.Mode.REPORT;
            boolean record = lines.recordGreylist() && !report;
            GreylistResult r = record ? greylist.check(client, sender, recipient)
                    : greylist.peek(greylist.triplet(client, sender, recipient), IpText.of(client));
            String triplet = "<" + sender + "> -> <" + recipient + ">" + (record ? "" : " (peeked, nothing recorded)");
            return switch (r) {
                case GreylistResult.Pass p -> {
                    // Only the message that was held back is marked; later mail of a white triplet was not delayed.
                    Duration delayed = p.promoted() ? p.delayed() : Duration.ZERO;
                    if (stage == Stage.RCPT) {
                        if (greylistPassed == null) greylistPassed = new HashMap<>();
                        greylistPassed.merge(recipient, delayed, (a, b) -> a.compareTo(b) >= 0 ? a : b);
                    }
                    String why = p.byNetwork() ? "the client's network is whitelisted"
                            : p.promoted() ? "passes after " + p.delayed().toSeconds() + "s of greylisting" : "white";
                    // The moment a greylisted sender comes back and is let through is worth a line.
                    if (p.promoted()) log.accept("policy " + who() + " " + stage.label() + " greylist: " + triplet + " " + why);
                    yield with(d, Finding.Outcome.PASS, triplet + " " + why, stage == Stage.DATA
                            ? new GreylistResult.Pass(delayed, false, false).header().stream().toList() : List.of());
                }
                case GreylistResult.Grey g -> refuse(d, stage, report, Finding.Outcome.FAIL, "greylisted " + triplet
                        + ", retry in " + g.retryAfter().toSeconds() + "s", g.refusal());
                case GreylistResult.Black b -> refuse(d, stage, report, Finding.Outcome.FAIL, "blacklisted " + triplet, b.refusal());
                case GreylistResult.Unavailable u -> {
                    String what = "the greylist store is unavailable (" + Check.oneLine(u.reason()) + "); "
                            + (u.reply().isPresent() ? "deferring" : "accepting without greylisting");
                    log.accept("policy " + who() + " " + stage.label() + " greylist: " + what);
                    yield u.reply().isPresent()
                            ? refuse(d, stage, report, Finding.Outcome.TEMPFAIL, what, u.reply().get())
                            : with(d, Finding.Outcome.TEMPFAIL, what, List.of());
                }
            };
        }

        private Decision refuse(Decision d, Stage stage, boolean report, Finding.Outcome outcome, String why, Reply reply) {
            log.accept("policy " + who() + " " + stage.label() + " greylist: " + (report ? "report: would refuse, " : "") + why);
            Decision noted = with(d, outcome, why, List.of());
            if (report) return noted;
            return new Decision(new Verdict.Refuse(reply, false), noted.delay(), noted.headers(), noted.findings());
        }

        /** {@code d} with a greylist finding (unless {@code outcome} is null) and more headers. */
        private Decision with(Decision d, Finding.Outcome outcome, String reason, List<String> headers) {
            List<Finding> findings = outcome == null ? d.findings()
                    : concat(d.findings(), List.of(new Finding(GREYLIST, outcome, Check.oneLine(reason))));
            return new Decision(d.verdict(), d.delay(), concat(d.headers(), headers), findings);
        }

        private boolean isPostmaster(String recipient) {
            String r = recipient.strip();
            if (r.startsWith("<") && r.endsWith(">")) r = r.substring(1, r.length() - 1);
            int at = r.lastIndexOf('@');
            // ASCII folding only: String.equalsIgnoreCase would take "po\u017Ftmaster" (long s) for postmaster.
            if (at < 0) return AsciiCase.equalsIgnoreCase(r, "postmaster");
            return AsciiCase.equalsIgnoreCase(r.substring(0, at), "postmaster") && settings.us().isOurDomain(r.substring(at + 1));
        }
    }

    /** The lists one after the other; the only non-empty one itself, when there is just one. */
    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        List<T> only = List.of();
        int nonEmpty = 0;
        for (List<T> l : lists) {
            if (!l.isEmpty()) {
                only = l;
                nonEmpty++;
            }
        }
        if (nonEmpty <= 1) return only;
        List<T> all = new ArrayList<>();
        for (List<T> l : lists) all.addAll(l);
        return all;
    }
}
