package warden.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import warden.config.WardenConfig;
import warden.smtp.SessionObserver;
import warden.smtp.SessionServices;
import warden.smtp.SmtpServer;
import warden.smtp.SmtpSettings;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code warden serve}: runs the mail server until SIGTERM or SIGINT, then shuts down gracefully
 * (messages in DATA finish; idle clients are told 421).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the SMTP server (default: 127.0.0.1:2525, state under ./var).")
public final class ServeCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        Running running = start(config.load(), System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    /** Starts Warden as {@code serve} does; closing the result is the graceful shutdown. */
    public static Running start(WardenConfig c, java.io.PrintStream console) throws java.io.IOException {
        return start(c, console, java.time.Clock.systemDefaultZone());
    }

    /** As {@link #start(WardenConfig, java.io.PrintStream)}, with a clock (tests move it past the greylist delay). */
    public static Running start(WardenConfig c, java.io.PrintStream console, java.time.Clock clock) throws java.io.IOException {
        Components components = Components.forServer(c, console, clock);
        Components.validateFiles(c).forEach(p -> LOG.warn("{}", p));
        SmtpServer server = new SmtpServer(SmtpSettings.from(c),
                components.services(components.store(), SessionServices.Pause.SLEEP, SessionObserver.NONE), c.listen());
        server.start();
        components.log.log("Warden started: " + c.hostname() + " listening on " + server.boundAddresses().stream()
                .map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).toList()
                + ", data in " + c.dataDir().toAbsolutePath() + " (config: " + c.source() + ")");
        return new Running(server, components);
    }

    /** A running server and its parts. */
    public record Running(SmtpServer server, Components components) implements AutoCloseable {
        @Override
        public void close() {
            components.log.log("shutting down: finishing messages in progress");
            server.close();
            components.log.log("stopped");
            components.close();
        }
    }
}
