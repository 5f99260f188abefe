package warden.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Accepts connections on one listening socket and hands each to a handler, until stopped.
 *
 * <p>When {@code accept} fails (EMFILE or ENFILE, "Too many open files", is the usual cause;
 * ENOBUFS and ENOMEM the rarer ones), the loop backs off, 10 ms doubling to 1 s, instead of
 * retrying at once: the condition lasts until some connections close, and a loop that spins
 * meanwhile burns a core and floods the log. The pending connections wait in the listen
 * backlog. The first failure of a run is logged, and the recovery with the number of failures.
 */
final class AcceptLoop implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(AcceptLoop.class);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(10);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(1);

    private final ServerSocket socket;
    private final String name;
    private final Consumer<Socket> handler;
    private final SessionServices.Pause pause;
    private final BooleanSupplier stopping;

    /**
     * @param socket the bound listening socket
     * @param name the listener, for log lines
     * @param handler takes each accepted connection (and must not block)
     * @param pause how the back-off waits
     * @param stopping true once the server is shutting down
     */
    AcceptLoop(ServerSocket socket, String name, Consumer<Socket> handler, SessionServices.Pause pause,
               BooleanSupplier stopping) {
        this.socket = socket;
        this.name = name;
        this.handler = handler;
        this.pause = pause;
        this.stopping = stopping;
    }

    @Override
    public void run() {
        Duration backoff = FIRST_BACKOFF;
        long failures = 0;
        while (!stopping.getAsBoolean()) {
            Socket accepted;
            try {
                accepted = socket.accept();
            } catch (IOException | RuntimeException | Error e) {
                if (stopping.getAsBoolean()) return;
                if (failures++ == 0) LOG.warn("accept on {} failed: {}; backing off", name, e.toString());
                try {
                    pause.pause(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                continue;
            }
            if (failures > 0) {
                LOG.warn("accept on {} works again after {} failures", name, failures);
                failures = 0;
                backoff = FIRST_BACKOFF;
            }
            try {
                handler.accept(accepted);
            } catch (Throwable e) { // e.g. no memory for another thread: drop this one, keep accepting
                LOG.error("connection on {} dropped: {}", name, e.toString());
                try {
                    accepted.close();
                } catch (IOException | RuntimeException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
