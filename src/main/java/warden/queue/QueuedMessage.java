package warden.queue;

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
 * @param recipients the remote addresses still to deliver to
 * @param content the message, header and body, with CRLF line ends, not dot-stuffed: the region
 *        of {@code file} after the envelope ({@link ReceivedMessage#stored}); its
 *        {@code discard()} leaves the spool file alone
 */
public record QueuedMessage(Path file, String id, Instant arrival, String reversePath, List<String> recipients,
                            ReceivedMessage content) {
    public QueuedMessage {
        recipients = List.copyOf(recipients);
    }
}
