package warden.cli;

import warden.config.ConfigProblem;
import warden.config.WardenConfig;
import warden.delivery.LocalStore;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.greylist.Greylist;
import warden.greylist.GreylistStore;
import warden.greylist.GreylistStores;
import warden.log.MainLog;
import warden.outbound.Destination;
import warden.outbound.CredentialSource;
import warden.outbound.MxHopResolver;
import warden.outbound.Router;
import warden.outbound.SmtpTransport;
import warden.outbound.Transport;
import warden.queue.QueueManager;
import warden.policy.DialoguePolicy;
import warden.policy.FrontLines;
import warden.policy.OwnIdentity;
import warden.policy.PolicyEngine;
import warden.policy.PolicySettings;
import warden.policy.bounce.BounceRecipients;
import warden.policy.dnsbl.DnsLists;
import warden.recipient.DomainRouter;
import warden.smtp.SessionObserver;
import warden.smtp.SessionServices;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Wires Warden's parts from a configuration: the one place where the resolver, the recipient
 * router, the store, the main log, the greylist store, the DNS lists and the policy engine are
 * made, so that {@code serve}, {@code simulate} and {@code config check} all get the same ones.
 *
 * <p>The greylist store ({@code greylist.store}) is opened here and closed by {@link #close()}.
 * A store that cannot be opened at start is logged and greylisting is off until a restart:
 * greylisting fails open, as a store outage later does. {@code simulate} only peeks at the
 * greylist, so that trying a dialogue leaves no triplet behind.
 */
public final class Components implements AutoCloseable {

    public final WardenConfig config;
    public final Clock clock;
    public final MainLog log;
    public final Resolver resolver;
    public final DomainRouter recipients;
    public final OwnIdentity us;
    public final PolicySettings policySettings;
    public final PolicyEngine policy;
    /** The greylist store, when greylisting is enabled and the store could be opened. */
    public final Optional<GreylistStore> greylistStore;
    private SmtpTransport transport;
    private Optional<warden.tls.TlsServer> tlsServer;

    private Components(WardenConfig config, MainLog log, Clock clock, boolean recordGreylist) {
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.resolver = new DnsjavaResolver(config.dns().servers(), config.dns().timeout(), config.dns().retries(),
                config.dns().cacheEntries(), clock);
        this.recipients = router(config, clock);
        this.us = new OwnIdentity(List.of(config.hostname()), recipients::isOurDomain, interfaceAddresses());
        this.policySettings = config.policy().settings(us);
        this.greylistStore = openGreylistStore(config, clock, log);
        FrontLines lines = FrontLines.none(resolver)
                .withDnsLists(new DnsLists(config.dnsLists().threshold(), config.dnsLists().blacklists(),
                        config.dnsLists().whitelists(), resolver, log::log))
                .withMaxReceivedHeaders(config.maxReceivedHeaders());
        if (greylistStore.isPresent()) {
            lines = lines.withGreylist(new Greylist(greylistStore.get(), config.greylist().settings(), clock), recordGreylist);
        }
        if (config.bounceRecipients().isPresent()) {
            lines = lines.withBounceRecipients(new BounceRecipients(config.bounceRecipients().get(), log::log));
        }
        this.lines = lines;
        this.policy = new DialoguePolicy(policySettings, resolver, log::log, lines);
    }

    /** The greylist, DNS lists, bounce recipients and hop limit of {@link #policy}. */
    private final FrontLines lines;
    private warden.door.DoorEngines doorEngines;

    /**
     * The engines the front doors ask ({@code doors.*}): the same checks, lists and greylist store
     * as {@link #policy}, enforcing even in report mode (the doors log what they would have
     * answered and answer "pass"; their log lines then start with {@code report: }). Made at the
     * first call.
     */
    public synchronized warden.door.DoorEngines doorEngines() {
        if (doorEngines == null) {
            boolean report = policySettings.mode() == PolicySettings.Mode.REPORT;
            java.util.function.Consumer<String> doorLog = report ? line -> log.log("report: " + line) : log::log;
            PolicySettings enforcing = policySettings.withMode(PolicySettings.Mode.ENFORCE);
            FrontLines recording = lines.greylist().map(g -> lines.withGreylist(g, true)).orElse(lines);
            FrontLines peeking = lines.greylist().map(g -> lines.withGreylist(g, false)).orElse(lines);
            java.util.Map<String, warden.policy.CheckSettings> none = new java.util.LinkedHashMap<>();
            for (String name : warden.policy.Checks.NAMES) none.put(name, warden.policy.CheckSettings.of(warden.policy.Action.PASS));
            FrontLines greylistOnly = lines.greylist().map(g -> FrontLines.none(resolver).withGreylist(g, true))
                    .orElse(FrontLines.none(resolver));
            doorEngines = new warden.door.DoorEngines(
                    new DialoguePolicy(enforcing, resolver, doorLog, recording),
                    new DialoguePolicy(enforcing, resolver, doorLog, peeking),
                    new DialoguePolicy(enforcing.withChecks(none), resolver, doorLog, greylistOnly),
                    report, greylistStore, config.greylist().settings(), clock, doorLog);
        }
        return doorEngines;
    }

    private static Optional<GreylistStore> openGreylistStore(WardenConfig config, Clock clock, MainLog log) {
        if (!config.greylist().enabled()) return Optional.empty();
        try {
            return Optional.of(GreylistStores.open(config.greylist().store(), config.dataDir(), clock));
        } catch (RuntimeException e) {
            log.log("greylisting is OFF: the greylist store " + config.greylist().store() + " cannot be opened ("
                    + e.getMessage() + "); fix greylist.store or data_dir and restart");
            return Optional.empty();
        }
    }

    /** Components for the server: the main log goes to {@code data_dir/log/mainlog} and to {@code console}. */
    public static Components forServer(WardenConfig config, PrintStream console) throws IOException {
        return forServer(config, console, Clock.systemDefaultZone());
    }

    /** Components for the server with the given clock (tests move it to pass the greylist). */
    public static Components forServer(WardenConfig config, PrintStream console, Clock clock) throws IOException {
        return new Components(config, new MainLog(config.dataDir().resolve("log").resolve("mainlog"), console, clock),
                clock, true);
    }

    /** Components for a tool that logs only to {@code console} (or nowhere). */
    public static Components forTool(WardenConfig config, PrintStream console) {
        return new Components(config, MainLog.console(console), Clock.systemDefaultZone(), false);
    }

    /**
     * The durable store: Maildirs from the {@code mailbox} template, remote mail to
     * {@code data_dir/spool}. Data files a crash left behind (messages never acknowledged) are
     * removed first, spool files of earlier versions moved into the queue: call it once,
     * before the server accepts.
     */
    public LocalStore store() {
        LocalStore store = new LocalStore(config.mailbox(), spoolDirectory(config), config.hostname(), log, clock,
                config.mailboxModes());
        try {
            int n = store.dataFiles().removeLeftovers();
            if (n > 0) log.log("removed " + n + " data files of messages never acknowledged (left by a crash) from " + store.dataFiles());
        } catch (java.io.IOException e) {
            log.log("cannot clean " + store.dataFiles() + ": " + e.getMessage());
        }
        try {
            int n = store.spool().migrate();
            if (n > 0) log.log("moved " + n + " messages of an earlier Warden from " + store.spool().incoming() + " into the queue");
            n = store.spool().removeOrphanJournals();
            if (n > 0) log.log("removed " + n + " journals of messages no longer queued (left by a crash)");
        } catch (java.io.IOException e) {
            log.log("cannot move the earlier spool files in " + store.spool().incoming() + " into the queue: "
                    + warden.log.Cause.of(e) + "; they stay there and are tried again at the next start");
        }
        return store;
    }

    /**
     * The delivery status reports (bounces, delay warnings, success reports) the queue sends,
     * written into {@code store}'s data files, beside the spool they are queued into.
     */
    public warden.dsn.DeliveryReports reports(LocalStore store) {
        return new warden.dsn.DeliveryReports(config.hostname(), store.dataFiles(), clock, log);
    }

    /**
     * The queue manager over {@code store}'s spool: remote recipients through {@link #transport()}
     * to the destinations of {@link #destinations()}, ours into {@code store}'s Maildirs, reports by
     * {@link #reports}, held while {@link WardenConfig#outboundProblem()} says so. Not started.
     */
    public QueueManager queue(LocalStore store) {
        return new QueueManager(store.spool(), transport(), destinations(), address -> recipients.verify(address, true),
                store, reports(store), config.queue(), config::outboundProblem, log::log, clock);
    }

    /**
     * How the queue sends to other hosts: the SMTP client, greeting with our {@code hostname},
     * finding hosts by MX (and knowing our own names and addresses, so an MX pointing back at us is
     * a loop). Closed by {@link #close()}.
     */
    synchronized Transport transport() {
        if (transport == null) {
            Set<String> ourNames = new java.util.LinkedHashSet<>();
            ourNames.add(config.hostname());
            // As many idle connections per destination as deliveries may run to it at once: with
            // fewer, a burst closes connections that the next messages would have reused.
            transport = new SmtpTransport(config.hostname(), new MxHopResolver(resolver, ourNames, interfaceAddresses()),
                    credentials(), warden.outbound.SmtpTimeouts.RFC_5321, java.time.Duration.ofSeconds(5),
                    Math.max(1, config.queue().concurrencyPerDestination()));
        }
        return transport;
    }

    /** The relay login for the smarthost ({@code smarthost_credentials}). */
    CredentialSource credentials() {
        return warden.outbound.PasswdClient.from(config, clock);
    }

    /** The destination of a recipient domain: {@code routes:}, then {@code smarthost}, else MX. */
    Function<String, Destination> destinations() {
        return Router.from(config)::route;
    }

    public SessionServices services(warden.delivery.MessageStore store, SessionServices.Pause pause,
                                    SessionObserver observer) {
        return new SessionServices(policy, recipients, store, Optional.of(resolver), log, clock, pause, observer)
                .withAuth(auth());
    }

    /**
     * AUTH and the submission duties: the credential backend ({@link warden.auth.Authenticators}),
     * one failure throttle for every session, {@code auth.sender_login}. Made at the first call;
     * the backend is closed by {@link #close()}.
     */
    public synchronized warden.smtp.auth.AuthServices auth() {
        if (auth == null) {
            auth = warden.smtp.auth.AuthServices.from(config.auth(), warden.auth.Authenticators.from(config.auth(), clock), clock);
        }
        return auth;
    }

    private warden.smtp.auth.AuthServices auth;

    /**
     * The server side of TLS (STARTTLS, port 465) from {@code tls.*}, when a certificate is
     * configured; made at the first call (the server's), so that tools that never shake hands
     * read no key. Empty without {@code tls}.
     */
    public synchronized Optional<warden.tls.TlsServer> tlsServer() {
        if (tlsServer == null) {
            if (!config.tls().configured()) {
                tlsServer = Optional.empty();
            } else {
                try {
                    // the certificates are re-read when their files change; log::log tells of each reload or refusal
                    tlsServer = Optional.of(warden.tls.ServerTls.load(config.tls(), log::log));
                } catch (warden.tls.CertificateFileException e) {
                    // validateFiles found nothing wrong a moment ago: the files changed in between
                    throw new warden.config.ConfigException(List.of(warden.config.ConfiguredPaths.problem(config, "tls", "tls",
                            new warden.config.ConfiguredPaths.Found(e.file() + ": " + e.problem(), e.fix()))));
                }
            }
        }
        return tlsServer;
    }

    /** Our interface addresses (not loopback): a HELO claiming one of them is a forgery. */
    static java.util.Set<java.net.InetAddress> interfaceAddresses() {
        java.util.Set<java.net.InetAddress> out = new java.util.HashSet<>();
        try {
            for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                for (var a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) out.add(a);
                }
            }
        } catch (java.net.SocketException e) {
            // no interface list: the forgery checks still know the address each client connected to
        }
        return out;
    }

    /**
     * The recipient router: virtual domains and the local mailboxes that exist (Maildirs under the
     * {@code mailbox} template, and the {@code local_users} file), both re-read on change.
     */
    static DomainRouter router(WardenConfig config, Clock clock) {
        var virtual = new warden.recipient.VirtualDomains(config.virtualDomains(), clock, java.time.Duration.ofSeconds(1));
        var users = config.localUsers().map(f -> new warden.recipient.LocalUsers(f, clock, java.time.Duration.ofSeconds(1)));
        return new DomainRouter(config.hostname(), virtual, config.localDomains(),
                new warden.recipient.LocalMailboxes(config.mailbox(), users));
    }

    static Path spoolDirectory(WardenConfig config) {
        return config.dataDir().resolve("spool");
    }

    /**
     * Problems in the files and directories the configuration names ({@code data_dir}, the
     * whitelist, the virtual-domain, local_users and bounce-recipient files, {@code auth.passwd_file}), for {@code config
     * check} and for {@code serve}, which refuses to start on any of them.
     */
    public static List<ConfigProblem> validateFiles(WardenConfig config) {
        List<ConfigProblem> out = new java.util.ArrayList<>(warden.config.ConfiguredPaths.check(config));
        List<warden.recipient.Problem> problems = new java.util.ArrayList<>(
                router(config, Clock.systemUTC()).validate());
        config.bounceRecipients().ifPresent(dir -> problems.addAll(new BounceRecipients(dir, line -> { }).validate()));
        config.smarthostCredentials().filter(java.nio.file.Files::isRegularFile).ifPresent(f -> problems.addAll(
                new warden.outbound.PasswdClient(f, Clock.systemUTC(), java.time.Duration.ZERO).problems()));
        config.auth().passwdFile().filter(java.nio.file.Files::isRegularFile).ifPresent(f -> problems.addAll(
                new warden.auth.PasswdFile(f, Clock.systemUTC(), java.time.Duration.ZERO).problems()));
        config.auth().senderLogin().ifPresent(f -> problems.addAll(
                new warden.smtp.auth.SenderLogins(f, Clock.systemUTC(), java.time.Duration.ZERO).problems()));
        problems.forEach(p -> out.add(new ConfigProblem(p.file(), p.line(), "", p.message(), p.fix())));
        out.addAll(CertificateCheckup.problems(config, java.time.Instant.now()));
        out.addAll(doorProblems(config));
        return out;
    }

    /** {@code doors.greylistd.group} must be a group of this system, for the socket file to be given to it. */
    static List<ConfigProblem> doorProblems(WardenConfig config) {
        List<ConfigProblem> out = new java.util.ArrayList<>();
        config.doors().greylistd().flatMap(WardenConfig.GreylistdDoor::group).ifPresent(group -> {
            try {
                java.nio.file.FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            } catch (IOException | UnsupportedOperationException e) {
                out.add(warden.config.ConfiguredPaths.problem(config, "doors", "doors.greylistd.group",
                        new warden.config.ConfiguredPaths.Found("no group '" + group + "' on this system",
                                "create it (groupadd " + group + "), or name the MTA's group, e.g. Debian-exim")));
            }
        });
        return out;
    }

    /**
     * What {@code config check} warns about without refusing: a credentials file others may read,
     * a certificate that expires within {@link CertificateCheckup#WARN_DAYS} days, lines of
     * {@code auth.passwd_file} whose users cannot log in or whose passwords are stored as {PLAIN}.
     */
    public static List<String> warnings(WardenConfig config) {
        List<String> out = new java.util.ArrayList<>(config.smarthostCredentials().filter(java.nio.file.Files::isRegularFile)
                .flatMap(f -> new warden.outbound.PasswdClient(f, Clock.systemUTC(), java.time.Duration.ZERO).modeWarning())
                .map(w -> List.of("smarthost_credentials: " + w)).orElse(List.of()));
        config.auth().passwdFile().filter(java.nio.file.Files::isRegularFile).ifPresent(f ->
                new warden.auth.PasswdFile(f, Clock.systemUTC(), java.time.Duration.ZERO).warnings()
                        .forEach(p -> out.add("auth.passwd_file: " + p)));
        out.addAll(CertificateCheckup.warnings(config, java.time.Instant.now()));
        if (config.doors().any() && !config.greylist().enabled()) {
            out.add("doors: greylist.enabled is false, so the doors answer without greylisting and greylistd's"
                    + " list verbs (add, delete, list, stats) have no store to work on; set greylist.enabled: true");
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (transport != null) transport.close();
        }
        synchronized (this) {
            if (auth != null) auth.authenticator().ifPresent(warden.auth.Authenticator::close);
        }
        greylistStore.ifPresent(store -> {
            try {
                store.close();
            } catch (Exception e) {
                log.log("greylist store did not close cleanly: " + e.getMessage());
            }
        });
        log.close();
    }
}
