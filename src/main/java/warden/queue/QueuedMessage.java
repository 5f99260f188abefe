package warden.queue;

import warden.dsn.MessageDsn;
import warden.message.ReceivedMessage;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A message in the spool, read back from its file: the envelope in memory, the message itself
 * left in the file and streamed from there when it is sent.
 *
 * @param file the spool file
 * @param id the queue id (also the file name)
 * @param arrival when it was spooled
 * @param reversePath the envelope sender, {@code ""} for the null sender
 * @param dsn {@code RET} and {@code ENVID} as given at MAIL
 * @param recipients every recipient in envelope order, with its state
 * @param content the message, header and body, with CRLF line ends, not dot-stuffed: the region
 *        of {@code file} after the envelope ({@link ReceivedMessage#stored}); its
 *        {@code discard()} leaves the spool file alone
 */
public record QueuedMessage(Path file, String id, Instant arrival, String reversePath, MessageDsn dsn,
                            List<QueuedRecipient> recipients, ReceivedMessage content) {
    public QueuedMessage {
        recipients = List.copyOf(recipients);
    }

    /** The recipient addresses, in envelope order. */
    public List<String> addresses() {
        return recipients.stream().map(QueuedRecipient::address).toList();
    }

    /** Whether this is a bounce or other report (the null sender): it is never bounced itself. */
    public boolean nullSender() {
        return reversePath.isEmpty();
    }
}
