package warden.queue;

import warden.dsn.RecipientDsn;

/**
 * One recipient of a queued message and where it stands.
 *
 * @param index its position in the spool file's envelope (the journal names recipients by it)
 * @param address the envelope address
 * @param dsn its NOTIFY and ORCPT
 * @param state pending, delivered, deferred or failed
 */
public record QueuedRecipient(int index, String address, RecipientDsn dsn, RecipientState state) {}
