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
        WardenConfig c = config.load();
        Components components = Components.forServer(c, System.out);
        var problems = Components.validateFiles(c);
        problems.forEach(p -> LOG.warn("{}", p));
        SmtpServer server = new SmtpServer(SmtpSettings.from(c),
                components.services(components.store(), SessionServices.Pause.SLEEP, SessionObserver.NONE), c.listen());
        server.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            components.log.log("shutting down: finishing messages in progress");
            server.close();
            components.log.log("stopped");
            components.close();
            stopped.countDown();
        }, "shutdown"));
        components.log.log("Warden started: " + c.hostname() + " listening on " + c.listen() + ", data in "
                + c.dataDir().toAbsolutePath() + " (config: " + c.source() + ")");
        stopped.await();
        return 0;
    }
}
