package warden.cli;

import warden.config.ConfigProblem;
import warden.config.WardenConfig;
import warden.delivery.LocalStore;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.recipient.DomainRouter;
import warden.smtp.SessionObserver;
import warden.smtp.SessionServices;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Wires Warden's parts from a configuration: the one place where the resolver, the recipient
 * router, the store, the main log and the policy engine are made, so that {@code serve},
 * {@code simulate} and {@code config check} all get the same ones.
 */
public final class Components implements AutoCloseable {

    public final WardenConfig config;
    public final Clock clock;
    public final MainLog log;
    public final Resolver resolver;
    public final DomainRouter recipients;
    public final PolicyEngine policy;

    private Components(WardenConfig config, MainLog log, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.log = log;
        this.resolver = new DnsjavaResolver(config.dns().servers(), config.dns().timeout(), config.dns().retries(),
                config.dns().cacheEntries(), clock);
        this.recipients = new DomainRouter(config.hostname(), config.virtualDomains(), config.localDomains(), clock);
        this.policy = PolicyEngine.permissive();
    }

    /** Components for the server: the main log goes to {@code data_dir/log/mainlog} and to {@code console}. */
    public static Components forServer(WardenConfig config, PrintStream console) throws IOException {
        Clock clock = Clock.systemDefaultZone();
        return new Components(config, new MainLog(config.dataDir().resolve("log").resolve("mainlog"), console, clock), clock);
    }

    /** Components for a tool that logs only to {@code console} (or nowhere). */
    public static Components forTool(WardenConfig config, PrintStream console) {
        return new Components(config, MainLog.console(console), Clock.systemDefaultZone());
    }

    /** The durable store: Maildirs from the {@code mailbox} template, remote mail to {@code data_dir/spool}. */
    public LocalStore store() {
        return new LocalStore(config.mailbox(), spoolDirectory(config), config.hostname(), log, clock);
    }

    public SessionServices services(warden.delivery.MessageStore store, SessionServices.Pause pause,
                                    SessionObserver observer) {
        return new SessionServices(policy, recipients, store, Optional.of(resolver), log, clock, pause, observer);
    }

    static Path spoolDirectory(WardenConfig config) {
        return config.dataDir().resolve("spool");
    }

    /** Problems in the files the configuration names (virtual-domain files), for {@code config check}. */
    public static List<ConfigProblem> validateFiles(WardenConfig config) {
        return new DomainRouter(config.hostname(), config.virtualDomains(), config.localDomains()).validate().stream()
                .map(p -> new ConfigProblem(p.file(), p.line(), "", p.message(), p.fix()))
                .toList();
    }

    @Override
    public void close() {
        log.close();
    }
}
