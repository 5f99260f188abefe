package warden.policy;

import warden.dns.ClientIdentity;
import warden.dns.Resolver;
import warden.mail.Reply;
import warden.policy.client.EarlyTalker;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
 *   <li><b>Temporary failures.</b> A DNS TEMPFAIL can only defer (4xx) and only when nothing
 *       harder applies; a check that throws defers with 451 4.3.0 and is logged. Nothing
 *       temporary ever becomes a 5xx.</li>
 *   <li><b>Report mode.</b> Every check runs; what would have been done is logged and put in
 *       {@code X-Helo-Check:} headers, and nothing is delayed or refused.</li>
 * </ul>
 *
 * <p>Replies: deny and drop 550 5.7.1 (554 5.7.1 instead of the banner); defer 450 4.7.1, 451 4.4.3
 * after a DNS failure, 451 4.3.0 after a broken check (421 instead of the banner, closing).
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 3.1 (554 greeting), 4.5.1 (postmaster), 4.5.3.2 (timeouts); RFC 3463 (X.7.1,
 * X.4.3, X.3.0).
 *
 * <h2>Not done</h2>
 * No expiry of punishments across connections (postscreen's cache); DNSBL and greylisting are
 * other checks' business.
 */
public final class DialoguePolicy implements PolicyEngine {

    static final long DATA_DELAY_SECONDS = 100;

    private final PolicySettings settings;
    private final Resolver resolver;
    private final Consumer<String> log;
    private final List<Check> checks;
    private final Map<Stage, List<Armed>> armed = new EnumMap<>(Stage.class);
    private final Optional<HostWhitelist> whitelist;

    /** A check the engine runs, with its settings: looked up once, not at every decision. */
    private record Armed(Check check, CheckSettings settings) {}

    /**
     * @param settings the policy
     * @param resolver for the DNS checks and the client's identity when the front door gives none
     * @param log where findings and report-mode lines go (e.g. {@code MainLog::log})
     */
    public DialoguePolicy(PolicySettings settings, Resolver resolver, Consumer<String> log) {
        this.settings = settings;
        this.resolver = resolver;
        this.log = log;
        this.checks = Checks.all(resolver, settings.us());
        boolean report = settings.mode() == PolicySettings.Mode.REPORT;
        for (Stage stage : Stage.values()) {
            armed.put(stage, checks.stream().filter(c -> c.stage() == stage)
                    .map(c -> new Armed(c, settings.check(c.name())))
                    // A check set to pass is not run, except in report mode, which shows everything.
                    .filter(a -> report || a.settings().action() != Action.PASS)
                    .toList());
        }
        this.whitelist = settings.whitelist().map(file -> new HostWhitelist(file, log));
    }

    public PolicySettings settings() { return settings; }

    @Override
    public PolicySession open(InetAddress clientAddress) {
        return new Connection(clientAddress);
    }

    /** The policy state of one connection. */
    private final class Connection implements PolicySession {

        private final InetAddress client;
        private final String who;
        private Optional<ClientIdentity> identity = Optional.empty();
        private Optional<String> exemption = Optional.empty();
        private boolean exemptionLogged;
        private Boolean listed;
        private List<Ruling> connect = List.of();
        private List<Ruling> helo = List.of();
        private List<Ruling> mail = List.of();
        private final Set<Ruling> sticky = new LinkedHashSet<>();

        Connection(InetAddress client) {
            this.client = client;
            this.who = "[" + client.getHostAddress() + "]";
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
                if (exemption.isPresent()) return exempt(stage, exemption.get());
                List<Ruling> now = run(s);
                switch (stage) {
                    case CONNECT -> connect = now;
                    case HELO -> helo = now;
                    case MAIL -> mail = now;
                    default -> { }
                }
                return judge(stage, now, s.recipient());
            } catch (RuntimeException e) {
                // Fail soft: a bug in the engine defers, it never rejects.
                log.accept("policy " + who + " " + snapshot.stage().label() + ": internal error, deferring: " + e);
                boolean banner = snapshot.stage() == Stage.CONNECT;
                return new Decision(new Verdict.Refuse(Reply.of(banner ? 421 : 451, "4.3.0",
                        "temporary local problem; try again later"), banner), Duration.ZERO, List.of(), List.of());
            }
        }

        @Override
        public Decision clientTalkedEarly() {
            if (exemption.isPresent()) return exempt(Stage.CONNECT, exemption.get());
            CheckSettings cs = settings.check(EarlyTalker.NAME);
            if (cs.action() == Action.PASS || cs.exempt().matches(client, confirmedName())) return Decision.proceed();
            Ruling r = Ruling.of(EarlyTalker.finding(), cs);
            note(Stage.CONNECT, List.of(r));
            connect = Stream.concat(connect.stream(), Stream.of(r)).toList();
            return judge(Stage.CONNECT, List.of(r), Optional.empty());
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
            if (identity.isEmpty()) identity = Optional.of(ClientIdentity.lookup(resolver, client));
            return new SessionSnapshot(s.stage(), s.clientAddress(), s.clientPort(), s.localAddress(), identity,
                    s.heloVerb(), s.heloName(), s.authenticatedUser(), s.tls(), s.relayClient(), s.reversePath(),
                    s.recipients(), s.recipient(), s.message());
        }

        private Decision exempt(Stage stage, String why) {
            if (!exemptionLogged) {
                log.accept("policy " + who + " exempt from checks: " + why);
                exemptionLogged = true;
            }
            // Forgiven: what was earned before the client proved itself no longer counts.
            connect = List.of();
            helo = List.of();
            mail = List.of();
            sticky.clear();
            List<Finding> skipped = checks.stream().filter(c -> c.stage() == stage)
                    .map(c -> c.skip("exempt: " + why)).toList();
            return new Decision(Verdict.CONTINUE, Duration.ZERO, List.of(), skipped);
        }

        /** Runs the stage's checks; a check that throws is ruled broken, the others go on. */
        private List<Ruling> run(SessionSnapshot s) {
            List<Ruling> rulings = new ArrayList<>();
            for (Armed a : armed.get(s.stage())) {
                Check c = a.check();
                CheckSettings cs = a.settings();
                if (!cs.exempt().isEmpty() && cs.exempt().matches(client, confirmedName())) {
                    rulings.add(Ruling.of(c.skip("exempt from this check"), cs));
                    continue;
                }
                try {
                    rulings.add(Ruling.of(c.check(s), cs));
                } catch (RuntimeException e) {
                    rulings.add(Ruling.broken(c.name(), e));
                }
            }
            note(s.stage(), rulings);
            for (Ruling r : rulings) {
                if (r.action().sticky()) sticky.add(r);
            }
            return rulings;
        }

        private void note(Stage stage, List<Ruling> rulings) {
            String prefix = settings.mode() == PolicySettings.Mode.REPORT ? "report: would " : "";
            for (Ruling r : rulings) {
                if (!r.noteworthy()) continue;
                log.accept("policy " + who + " " + stage.label() + " " + r.finding().check() + " "
                        + r.finding().outcome().name().toLowerCase(java.util.Locale.ROOT)
                        + " (" + prefix + r.describe() + "): " + r.finding().reason());
            }
        }

        /** Turns this stage's rulings and what the connection carries into the decision. */
        private Decision judge(Stage stage, List<Ruling> now, Optional<String> recipient) {
            List<Ruling> carried = switch (stage) {
                case MAIL -> concat(connect, helo, List.copyOf(sticky));
                case RCPT -> concat(connect, helo, mail, List.copyOf(sticky));
                case HELO -> settings.rejectAt() == PolicySettings.RejectAt.HELO
                        ? concat(List.copyOf(sticky), connect) : List.of();
                default -> List.of();
            };
            if (!carried.isEmpty()) carried = carried.stream().filter(r -> !now.contains(r)).distinct().toList();

            Duration delay = Duration.ZERO;
            for (Ruling r : concat(now, stage == Stage.HELO ? List.of() : carried)) delay = delay.plus(r.delay());
            Duration cap = stage == Stage.DATA && settings.maxDelay().toSeconds() > DATA_DELAY_SECONDS
                    ? Duration.ofSeconds(DATA_DELAY_SECONDS) : settings.maxDelay();
            if (delay.compareTo(cap) > 0) delay = cap;

            boolean given = settings.rejectAt() == PolicySettings.RejectAt.HELO || stage == Stage.RCPT;
            boolean postmaster = stage == Stage.RCPT && recipient.map(this::isPostmaster).orElse(false);
            Optional<Ruling> refusal = given && !postmaster && stage != Stage.DATA
                    ? concat(now, carried).stream().filter(r -> r.action().refuses())
                            .max(Comparator.comparing(Ruling::action)
                                    .thenComparing(r -> r.cause() == Ruling.Cause.POLICY))
                    : Optional.empty();

            List<Finding> findings = new ArrayList<>(now.size() + carried.size());
            for (Ruling r : now) findings.add(r.finding());
            for (Ruling r : carried) {
                if (r.delay().isPositive() || r.action().refuses()) findings.add(r.finding());
            }
            // One finding per check ran now; only what was carried can repeat one.
            if (!carried.isEmpty()) findings = findings.stream().distinct().toList();

            if (settings.mode() == PolicySettings.Mode.REPORT) {
                refusal.flatMap(r -> r.reply(stage)).ifPresent(reply ->
                        log.accept("policy " + who + " report: would refuse " + stage.label() + " with " + reply));
                if (delay.isPositive()) {
                    log.accept("policy " + who + " report: would delay " + stage.label() + " by " + delay.toSeconds() + "s");
                }
                return new Decision(Verdict.CONTINUE, Duration.ZERO, headers(), findings);
            }
            Verdict verdict = refusal.flatMap(r -> r.reply(stage)
                            .map(reply -> (Verdict) new Verdict.Refuse(reply, r.action() == Action.DROP
                                    || (stage == Stage.CONNECT && reply.isTransient()))))
                    .orElse(Verdict.CONTINUE);
            return new Decision(verdict, delay, headers(), findings);
        }

        /** {@code X-Helo-Check:} headers for what the connection and this transaction earned. */
        private List<String> headers() {
            boolean report = settings.mode() == PolicySettings.Mode.REPORT;
            boolean everyFinding = settings.heloCheckHeader() || report;
            List<Ruling> earned = concat(connect, helo, List.copyOf(sticky), mail);
            // The usual case, no header at all, without building a stream.
            if (earned.stream().noneMatch(r -> r.action() == Action.HEADER || (everyFinding && r.noteworthy()))) return List.of();
            return earned.stream().distinct()
                    .filter(r -> r.action() == Action.HEADER || (r.noteworthy() && everyFinding))
                    .map(r -> "X-Helo-Check: " + r.finding().check() + " "
                            + r.finding().outcome().name().toLowerCase(java.util.Locale.ROOT)
                            + (report ? " (report: would " + r.describe() + ")" : "") + "; " + Check.oneLine(r.finding().reason()))
                    .toList();
        }

        private boolean isPostmaster(String recipient) {
            String r = recipient.strip();
            if (r.startsWith("<") && r.endsWith(">")) r = r.substring(1, r.length() - 1);
            int at = r.lastIndexOf('@');
            if (at < 0) return r.equalsIgnoreCase("postmaster");
            return r.substring(0, at).equalsIgnoreCase("postmaster") && settings.us().isOurDomain(r.substring(at + 1));
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
