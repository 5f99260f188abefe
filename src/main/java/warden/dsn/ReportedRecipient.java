package warden.dsn;

import java.time.Instant;
import java.util.Optional;

/**
 * One recipient's part of a delivery status report (RFC 3464 section 2.3).
 *
 * @param address the envelope address ({@code Final-Recipient: rfc822;...})
 * @param dsn its NOTIFY and ORCPT ({@code Original-Recipient})
 * @param action {@code failed}, {@code delayed}, {@code delivered}, {@code relayed}
 * @param status the enhanced status code, {@code 5.1.1}
 * @param remoteMta the host that answered ({@code Remote-MTA: dns;...}), empty when none did
 * @param diagnostic the remote reply ({@code Diagnostic-Code: smtp;550 5.1.1 ...}) or our own
 *        reason when there was none
 * @param lastAttempt when it was last tried ({@code Last-Attempt-Date})
 * @param willRetryUntil for {@code delayed}: when the queue gives up
 */
public record ReportedRecipient(String address, RecipientDsn dsn, String action, String status,
                                Optional<String> remoteMta, String diagnostic, Instant lastAttempt,
                                Optional<Instant> willRetryUntil) {}
