package warden.dsn;

import warden.message.ReceivedMessage;

/**
 * A delivery status report ready to be queued from the null sender to {@code recipient}: the
 * whole message (header and body, CRLF, not dot-stuffed) in a data file.
 *
 * @param recipient where the report goes (the original sender, or postmaster for a failed bounce)
 * @param content the report; the queue copies it in, then discards it
 */
public record Report(String recipient, ReceivedMessage content) {}
