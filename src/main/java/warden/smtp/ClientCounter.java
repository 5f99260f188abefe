package warden.smtp;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connections open per client address, for {@code limits.max_connections_per_ip} (Postfix's
 * {@code smtpd_client_connection_count_limit}).
 *
 * <p>Each count changes in one atomic step per address (check, count and refuse together), so
 * an admission racing a release can never count against a counter that is being removed; and
 * what is given back is a {@link Slot} that gives its place back once however often it is
 * closed, so a connection can neither release twice nor release what it was never given.
 */
final class ClientCounter {

    private final int limit;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    ClientCounter(int limit) {
        this.limit = limit;
    }

    /** One admitted connection's place; {@link #close()} gives it back, the first time only. */
    final class Slot implements AutoCloseable {
        private final InetAddress client;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(InetAddress client) {
            this.client = client;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) open.computeIfPresent(client, (k, n) -> n > 1 ? n - 1 : null);
        }
    }

    /** A place for one more connection from {@code client}, or empty when it has its limit. */
    Optional<Slot> admit(InetAddress client) {
        boolean[] admitted = {false};
        open.compute(client, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limit) return n;
            admitted[0] = true;
            return now + 1;
        });
        return admitted[0] ? Optional.of(new Slot(client)) : Optional.empty();
    }

    /** Connections counted for {@code client} now. */
    int open(InetAddress client) {
        return open.getOrDefault(client, 0);
    }

    /** Addresses with a count (none once every connection has closed). */
    int addresses() {
        return open.size();
    }
}
