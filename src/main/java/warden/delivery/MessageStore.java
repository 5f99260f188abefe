package warden.delivery;

import java.io.IOException;

/**
 * Durable delivery of an accepted message: local copies to Maildir, remote recipients to the
 * spool. {@link #deliver} returns only when every copy is on disk (fsync'd file and directory);
 * if it throws, nothing is left half-written and the client gets 451.
 */
public interface MessageStore {

    /** Delivers and returns one line per copy for the main log. */
    DeliveryReport deliver(InboundMessage message) throws IOException;
}
