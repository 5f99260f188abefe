package warden.queue;

import warden.recipient.Route;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Delivers a queued message to a local mailbox: what the queue does for a recipient of ours (a
 * bounce to a local sender, {@code warden sendmail} to a local user).
 */
@FunctionalInterface
public interface LocalDelivery {

    /**
     * Writes one copy into {@code mailbox} and returns once it is durable.
     *
     * @param addresses the envelope addresses that reached the mailbox ({@code Envelope-to:})
     * @return the file written and the router name for the log ({@code localuser}, {@code virtual})
     * @throws IOException if it could not be written (the recipient is deferred)
     */
    Copy deliver(QueuedMessage message, List<String> addresses, Route.Mailbox mailbox) throws IOException;

    /** One copy: the log's {@code R=} and {@code P=}. */
    record Copy(String router, Path file) {}
}
