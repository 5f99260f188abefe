package warden.queue;

import warden.dsn.RecipientDsn;

/**
 * One envelope recipient as it is spooled: the address and its DSN parameters.
 *
 * @param address the forward path without angle brackets
 * @param dsn its {@code NOTIFY} and {@code ORCPT} ({@link RecipientDsn#NONE} when not given)
 */
public record Recipient(String address, RecipientDsn dsn) {
    /** A recipient without DSN parameters. */
    public Recipient(String address) {
        this(address, RecipientDsn.NONE);
    }
}
