package warden.mail;

import warden.dsn.MessageDsn;
import warden.dsn.RecipientDsn;

import java.util.List;
import java.util.Map;

/**
 * The SMTP envelope of one message: the reverse path ({@code ""} for the null sender), the
 * recipients accepted at RCPT, in order, and the DSN parameters given with MAIL and each RCPT.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 2.3.1 (envelope), RFC 3461 section 4 (the DSN parameters travel with it).
 *
 * @param dsn {@code RET} and {@code ENVID} of MAIL ({@link MessageDsn#NONE} when not given)
 * @param recipientDsn {@code NOTIFY} and {@code ORCPT} by recipient address; a recipient without
 *        an entry gave none (read it with {@link #dsn(String)})
 */
public record Envelope(String reversePath, List<String> recipients, MessageDsn dsn,
                       Map<String, RecipientDsn> recipientDsn) {
    public Envelope {
        recipients = List.copyOf(recipients);
        recipientDsn = Map.copyOf(recipientDsn);
    }

    /** An envelope without DSN parameters. */
    public Envelope(String reversePath, List<String> recipients) {
        this(reversePath, recipients, MessageDsn.NONE, Map.of());
    }

    public boolean nullSender() { return reversePath.isEmpty(); }

    /** The {@code NOTIFY} and {@code ORCPT} of {@code recipient}; {@link RecipientDsn#NONE} if it gave none. */
    public RecipientDsn dsn(String recipient) {
        return recipientDsn.getOrDefault(recipient, RecipientDsn.NONE);
    }
}
