package warden.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import warden.config.ConfigException;
import warden.config.ConfigLoader;
import warden.config.ConfigProblem;
import warden.config.WardenConfig;
import warden.log.Cause;
import warden.queue.QueueManager;
import warden.smtp.SessionObserver;
import warden.smtp.SessionServices;
import warden.smtp.SmtpServer;
import warden.smtp.SmtpSettings;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code warden serve}: runs the mail server until SIGTERM or SIGINT, then shuts down gracefully
 * (messages in DATA finish; idle clients are told 421).
 *
 * <p>Before anything starts it checks what {@code config check} checks (the configuration, the
 * files and directories it names, {@code data_dir} writable) and refuses to start on a problem,
 * naming the file, the reason and the fix. A listener that cannot be bound is named with the fix
 * ({@code --listen}, the port's owner, CAP_NET_BIND_SERVICE). Running as root is allowed but
 * warned about: the Maildirs would be owned by root, and Dovecot refuses to serve those. On the
 * built-in defaults with a system name that is no FQDN ({@link WardenConfig#outboundProblem()}),
 * it starts but says loudly that outbound mail is held (a configuration file with such a name is
 * refused instead).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the SMTP server (default: 127.0.0.1:2525, state under ./var).")
public final class ServeCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--listen", paramLabel = "ADDR:PORT",
            description = "listen here instead of the configured 'listen' (repeatable), e.g. 127.0.0.1:2526 or [::1]:2525")
    List<String> listen = new ArrayList<>();

    @Option(names = "--pid-file", paramLabel = "FILE",
            description = "write our process id to FILE once every listener is bound (scripts wait for it); removed at shutdown")
    Path pidFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where the main log is echoed; standard output unless a test says otherwise. */
    PrintStream console = System.out;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private Running running;

    @Override
    public Integer call() throws Exception {
        WardenConfig c = config.load();
        if (!listen.isEmpty()) c = c.withListen(listeners(listen));
        Running r = start(c, console);
        synchronized (this) {
            running = r;
        }
        if (pidFile != null) writePidFile(pidFile);
        Thread hook = new Thread(this::stop, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is what stopped us
        }
        return 0;
    }

    /** The graceful shutdown: what SIGTERM does (tests call it directly). */
    void stop() {
        synchronized (this) {
            if (running == null || stopped.getCount() == 0) return;
            running.close();
            if (pidFile != null) {
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException ignored) {
                    // a stale pid file names a process that is gone
                }
            }
        }
        stopped.countDown();
    }

    private List<WardenConfig.Listener> listeners(List<String> addresses) {
        List<WardenConfig.Listener> out = new ArrayList<>();
        for (String a : addresses) {
            try {
                out.add(new WardenConfig.Listener(ConfigLoader.socketAddress(a), false));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--listen " + e.getMessage()
                        + " (write ADDR:PORT, e.g. 127.0.0.1:2526 or [::1]:2525)");
            }
        }
        return out;
    }

    private static void writePidFile(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Starts Warden as {@code serve} does; closing the result is the graceful shutdown. */
    public static Running start(WardenConfig c, PrintStream console) throws IOException {
        return start(c, console, java.time.Clock.systemDefaultZone());
    }

    /**
     * As {@link #start(WardenConfig, PrintStream)}, with a clock (tests move it past the greylist delay).
     *
     * @throws ConfigException when a file or directory the configuration names is not usable
     * @throws IOException naming what could not be done and how to fix it (a port in use)
     */
    public static Running start(WardenConfig c, PrintStream console, java.time.Clock clock) throws IOException {
        List<ConfigProblem> problems = Components.validateFiles(c);
        if (!problems.isEmpty()) throw new ConfigException(problems);
        Components components;
        try {
            components = Components.forServer(c, console, clock);
        } catch (IOException e) {
            throw new IOException("cannot open the main log in data_dir: " + Cause.of(e), e);
        }
        Optional<warden.tls.TlsServer> tls;
        try {
            tls = components.tlsServer(); // the certificates, read before anything listens
        } catch (RuntimeException e) {
            components.close();
            throw e;
        }
        warden.delivery.LocalStore store = components.store();
        SmtpServer server = new SmtpServer(SmtpSettings.from(c),
                components.services(store, SessionServices.Pause.SLEEP, SessionObserver.NONE).withTls(tls), c.listen());
        try {
            server.start();
        } catch (BindException e) {
            components.close();
            throw new IOException("cannot listen on " + e.getMessage() + " (fix: " + bindFix(e) + ")", e);
        }
        warden.door.Doors doors;
        try {
            doors = warden.door.Doors.start(c.doors(), components.doorEngines());
        } catch (IOException e) {
            server.close();
            components.close();
            throw new IOException("cannot open a policy door: " + e.getMessage()
                    + (e instanceof BindException b ? " (fix: " + bindFix(b) + ")" : ""), e);
        }
        // The queue starts once we listen (a port in use stops nothing half-started); the store tells it of
        // each spooled message, and its start-up scan picks up whatever an earlier run left.
        QueueManager queue = components.queue(store);
        store.onSpooled(queue::arrived);
        queue.start();
        components.log.log("Warden started: " + c.hostname() + " listening on " + server.boundAddresses().stream()
                .map(a -> warden.mail.IpText.of(a.getAddress()) + ":" + a.getPort()).toList()
                + doorsListening(doors)
                + ", data in " + c.dataDir().toAbsolutePath() + " (config: " + c.source() + ")");
        rootWarning(uid(), c).ifPresent(components.log::log);
        c.outboundProblem().filter(why -> c.outbound()).ifPresent(why -> components.log.log("WARNING: " + why
                + "; mail for other hosts is kept in the queue and deferred until this is fixed"));
        return new Running(server, queue, doors, components);
    }

    /** {@code , greylistd door on [/run/greylistd/socket], Postfix policy door on [127.0.0.1:10023]} for the start line. */
    private static String doorsListening(warden.door.Doors doors) {
        StringBuilder b = new StringBuilder();
        if (!doors.greylistdAddresses().isEmpty()) b.append(", greylistd door on ").append(shown(doors.greylistdAddresses()));
        if (!doors.postfixAddresses().isEmpty()) b.append(", Postfix policy door on ").append(shown(doors.postfixAddresses()));
        return b.toString();
    }

    private static List<String> shown(List<Object> addresses) {
        return addresses.stream().map(a -> a instanceof java.net.InetSocketAddress i
                ? warden.mail.IpText.of(i.getAddress()) + ":" + i.getPort() : "unix:" + a).toList();
    }

    /** What to do about a listener that could not be bound. */
    static String bindFix(BindException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("in use")) {
            return "another server holds this port (a Warden started before? its pid is in the --pid-file, if one was given):"
                    + " stop it, or listen elsewhere with --listen 127.0.0.1:2526 or the 'listen' setting";
        }
        if (m.contains("Permission denied")) {
            return "ports below 1024 need CAP_NET_BIND_SERVICE (see packaging/warden.service), or listen on a port above 1023";
        }
        if (m.contains("assign")) return "the address is not one of this host's: listen on one of its addresses, or 0.0.0.0";
        return "check the 'listen' setting or --listen";
    }

    /** The warning logged when Warden runs as root (uid 0): Dovecot refuses mail owned by root. */
    static Optional<String> rootWarning(long uid, WardenConfig c) {
        if (uid != 0) return Optional.empty();
        return Optional.of("warning: running as root: the Maildirs and spool files under " + c.dataDir().toAbsolutePath()
                + " are owned by root, and Dovecot refuses to serve mail owned by uid 0; run Warden as its own user"
                + " (packaging/warden.service shows how, port 25 included)");
    }

    /** Our effective user id, or -1 when it cannot be told. */
    static long uid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException | RuntimeException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : -1;
        }
    }

    /** A running server and its parts. */
    public record Running(SmtpServer server, QueueManager queue, warden.door.Doors doors, Components components) implements AutoCloseable {
        @Override
        public void close() {
            components.log.log("shutting down: finishing messages in progress");
            doors.close();
            server.close();
            queue.close();
            components.log.log("stopped");
            components.close();
        }
    }
}
