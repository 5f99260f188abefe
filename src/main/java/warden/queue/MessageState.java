package warden.queue;

import warden.dsn.Notify;
import warden.queue.JournalEvent.ReportKind;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where a queued message stands: its envelope with the journal played over it. Nothing of the
 * message body is read to make it, so listing or scanning 100 000 of them costs their envelopes
 * and journals only.
 *
 * @param envelope the spool file's envelope
 * @param recipients each recipient in envelope order with its state
 * @param last for each recipient index, the last delivered/deferred/failed event (host, status,
 *        relayed), absent when not tried
 * @param frozen frozen and not thawed since
 * @param reported for each kind of report, the recipient indexes already reported (or found to
 *        need no report)
 */
public record MessageState(SpoolEnvelope envelope, List<QueuedRecipient> recipients, Map<Integer, JournalEvent> last,
                           boolean frozen, Map<ReportKind, Set<Integer>> reported) {

    public MessageState {
        recipients = List.copyOf(recipients);
        last = Map.copyOf(last);
        reported = Map.copyOf(reported);
    }

    /** Plays {@code events} over {@code envelope}. */
    public static MessageState of(SpoolEnvelope envelope, List<JournalEvent> events) {
        int n = envelope.recipients().size();
        RecipientState[] states = new RecipientState[n];
        for (int i = 0; i < n; i++) states[i] = new RecipientState.Pending();
        Map<Integer, JournalEvent> last = new java.util.HashMap<>();
        boolean frozen = false;
        Map<ReportKind, Set<Integer>> reported = new java.util.EnumMap<>(ReportKind.class);
        for (ReportKind k : ReportKind.values()) reported.put(k, new HashSet<>());
        for (JournalEvent e : events) {
            switch (e) {
                case JournalEvent.Delivered d when d.index() < n -> {
                    states[d.index()] = new RecipientState.Delivered(d.at(), d.reply());
                    last.put(d.index(), d);
                }
                case JournalEvent.Deferred d when d.index() < n -> {
                    if (states[d.index()].done()) break;
                    int attempts = states[d.index()] instanceof RecipientState.Deferred p ? p.attempts() + 1 : 1;
                    states[d.index()] = new RecipientState.Deferred(attempts, d.next(), d.reply());
                    last.put(d.index(), d);
                }
                case JournalEvent.Failed f when f.index() < n -> {
                    if (states[f.index()] instanceof RecipientState.Delivered) break;
                    states[f.index()] = new RecipientState.Failed(f.at(), f.reply());
                    last.put(f.index(), f);
                }
                case JournalEvent.Reported r -> reported.get(r.kind()).addAll(r.indexes());
                case JournalEvent.Frozen f -> frozen = true;
                case JournalEvent.Thawed t -> frozen = false;
                case JournalEvent.Retry r -> {
                    for (int i = 0; i < n; i++) {
                        if (states[i] instanceof RecipientState.Deferred d && d.nextAttempt().isAfter(r.at())) {
                            states[i] = new RecipientState.Deferred(d.attempts(), r.at(), d.lastReply());
                        }
                    }
                }
                default -> { } // an index beyond the envelope: a corrupted line, ignored
            }
        }
        List<QueuedRecipient> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Recipient r = envelope.recipients().get(i);
            out.add(new QueuedRecipient(i, r.address(), r.dsn(), states[i]));
        }
        return new MessageState(envelope, out, last, frozen, reported);
    }

    public String id() { return envelope.id(); }

    /** Whether every recipient is delivered or failed. */
    public boolean allDone() {
        return recipients.stream().allMatch(r -> r.state().done());
    }

    /** Recipients not yet delivered or failed. */
    public List<QueuedRecipient> remaining() {
        return recipients.stream().filter(r -> !r.state().done()).toList();
    }

    /** Failed recipients whose failure has not been reported yet. */
    public List<QueuedRecipient> failedUnreported() {
        Set<Integer> done = reported.get(ReportKind.FAILURE);
        return recipients.stream().filter(r -> r.state() instanceof RecipientState.Failed && !done.contains(r.index())).toList();
    }

    /** Delivered recipients with {@code NOTIFY=SUCCESS} whose next hop did not take the DSN on, not reported yet. */
    public List<QueuedRecipient> successUnreported() {
        Set<Integer> done = reported.get(ReportKind.SUCCESS);
        return recipients.stream().filter(r -> r.state() instanceof RecipientState.Delivered
                && r.dsn().notifications().contains(Notify.SUCCESS) && !done.contains(r.index())
                && !(last.get(r.index()) instanceof JournalEvent.Delivered d && d.relayed())).toList();
    }

    /** Whether a delay report was made (or found unneeded) already. */
    public boolean delayReported() {
        return !reported.get(ReportKind.DELAY).isEmpty();
    }

    /** Whether the message can leave the queue: all recipients done and every due report made. */
    public boolean complete() {
        return allDone() && failedUnreported().isEmpty() && successUnreported().isEmpty();
    }

    /**
     * When the message should next be looked at: now ({@code arrival}) if a recipient was never
     * tried or a report is due, else the earliest next attempt of a deferred recipient; empty
     * when it is complete. A frozen message still has a time: the manager skips it.
     */
    public Optional<Instant> nextAttempt() {
        if (complete()) return Optional.empty();
        if (allDone()) return Optional.of(envelope.arrival());
        Instant next = null;
        for (QueuedRecipient r : recipients) {
            switch (r.state()) {
                case RecipientState.Pending p -> { return Optional.of(envelope.arrival()); }
                case RecipientState.Deferred d -> next = next == null || d.nextAttempt().isBefore(next) ? d.nextAttempt() : next;
                default -> { }
            }
        }
        return Optional.ofNullable(next);
    }

    /** The host of the last answer for recipient {@code index}, if a host answered. */
    public Optional<String> host(int index) {
        return switch (last.get(index)) {
            case JournalEvent.Delivered d -> d.host();
            case JournalEvent.Deferred d -> d.host();
            case JournalEvent.Failed f -> f.host();
            case null, default -> Optional.empty();
        };
    }

    /** The enhanced status of a failed recipient ({@code 5.0.0} when none was recorded). */
    public String status(int index) {
        if (last.get(index) instanceof JournalEvent.Failed f && !f.status().isEmpty()) return f.status();
        return "5.0.0";
    }
}
