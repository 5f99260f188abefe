package warden.queue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A message in the spool, read back from its file.
 *
 * @param file the spool file
 * @param id the queue id (also the file name)
 * @param arrival when it was spooled
 * @param reversePath the envelope sender, {@code ""} for the null sender
 * @param recipients the remote addresses still to deliver to
 * @param message the message, header and body, with CRLF line ends, not dot-stuffed
 */
public record QueuedMessage(Path file, String id, Instant arrival, String reversePath, List<String> recipients,
                            byte[] message) {
    public QueuedMessage {
        recipients = List.copyOf(recipients);
    }
}
