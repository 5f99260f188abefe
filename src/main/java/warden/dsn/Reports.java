package warden.dsn;

import warden.queue.QueuedMessage;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Makes the RFC 3464 reports the queue sends: one per message and event, for the recipients whose
 * NOTIFY asks for it. Empty when none is due: nobody asked, or the message is itself a report
 * whose failure was already reported to postmaster (never bounce a bounce).
 */
public interface Reports {

    /** Permanent failures (and expiry). A failed report from {@code <>} goes to postmaster once. */
    Optional<Report> failure(QueuedMessage message, List<ReportedRecipient> recipients) throws IOException;

    /** Still trying after {@code queue.delay_warning}. */
    Optional<Report> delay(QueuedMessage message, List<ReportedRecipient> recipients) throws IOException;

    /** Delivered (or relayed to a peer without DSN) with {@code NOTIFY=SUCCESS}. */
    Optional<Report> success(QueuedMessage message, List<ReportedRecipient> recipients) throws IOException;
}
