package warden.queue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What {@code warden queue list|show|remove|retry|freeze|thaw|stats} do (Exim's {@code -bp},
 * {@code -Mrm}, {@code -M}/{@code -qff}, {@code -Mf}, {@code -Mt}), safe while {@code serve} runs.
 *
 * <p>Everything goes through the spool files: a change is a journal line ({@code frozen},
 * {@code thawed}, {@code retry}), appended under the journal's file lock like the manager's own,
 * followed by a note in {@code spool/control/} ({@link Spool#signal}) that the running manager
 * picks up within half a second: it re-reads that message's journal and reschedules it (a
 * frozen message leaves the schedule, a retried one is tried at once). Remove deletes the
 * message file and journal; a delivery already under way finishes, and its journal lines are
 * dropped. Without a running manager the journal lines take effect at the next start.
 *
 * <p>Reading ({@link #list}, {@link #show}, {@link #stats}) reads envelopes and journals only,
 * streaming the directory: 100 000 queued messages are listed in one pass without a body read.
 *
 * <h2>Standards</h2>
 * None; the commands and their output are Exim's and Postfix's ({@code mailq}, {@code postsuper}).
 */
public final class QueueAdmin {

    private final Spool spool;
    private final Clock clock;
    private final Consumer<String> log;

    /**
     * @param spool the spool ({@code data_dir/spool})
     * @param log the main log, for removals ({@code ID removed by admin})
     */
    public QueueAdmin(Spool spool, Consumer<String> log) {
        this.spool = spool;
        this.clock = spool.clock();
        this.log = log;
    }

    /** Every queued message, one call each, in directory order; unreadable files are skipped and named on {@code problems}. */
    public void list(Consumer<MessageState> each, Consumer<String> problems) throws IOException {
        spool.forEachId(id -> {
            try {
                each.accept(spool.state(id));
            } catch (NoSuchFileException gone) {
                // delivered while we listed
            } catch (IOException e) {
                problems.accept(id + ": " + e.getMessage());
            }
        });
    }

    /** One message with its recipients' states; empty when it is not queued. */
    public Optional<MessageState> show(String id) throws IOException {
        if (!spool.contains(id)) return Optional.empty();
        try {
            return Optional.of(spool.state(id));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
    }

    /** One message with its content (to show its header); empty when it is not queued. */
    public Optional<QueuedMessage> message(String id) throws IOException {
        Optional<MessageState> s = show(id);
        return s.isEmpty() ? Optional.empty() : Optional.of(spool.message(s.get()));
    }

    /** Removes a message without delivering or bouncing it ({@code -Mrm}). @return false if it was not queued */
    public boolean remove(String id) throws IOException {
        if (!spool.contains(id)) return false;
        boolean was = spool.remove(id);
        if (was) {
            log.accept(id + " removed by admin");
            log.accept(id + " Completed");
            spool.signal(id);
        }
        return was;
    }

    /** Tries every deferred recipient of {@code id} now, frozen or not stays as it is. @return false if not queued */
    public boolean retry(String id) throws IOException {
        return note(id, new JournalEvent.Retry(clock.instant()));
    }

    /** Tries every queued message now ({@code -qff} without thawing). @return how many */
    public int retryAll() throws IOException {
        int[] n = {0};
        Instant now = clock.instant();
        spool.forEachId(id -> {
            try {
                spool.append(id, new JournalEvent.Retry(now));
                if (spool.contains(id)) n[0]++;
            } catch (NoSuchFileException gone) {
                // done meanwhile
            }
        });
        spool.signal(Spool.ALL);
        return n[0];
    }

    /** Freezes {@code id}: not tried until thawed ({@code -Mf}). @return false if not queued */
    public boolean freeze(String id) throws IOException {
        boolean ok = note(id, new JournalEvent.Frozen(clock.instant(), "by admin"));
        if (ok) log.accept(id + " frozen by admin");
        return ok;
    }

    /** Thaws {@code id} ({@code -Mt}). @return false if not queued */
    public boolean thaw(String id) throws IOException {
        boolean ok = note(id, new JournalEvent.Thawed(clock.instant()));
        if (ok) log.accept(id + " unfrozen by admin");
        return ok;
    }

    private boolean note(String id, JournalEvent event) throws IOException {
        if (!spool.contains(id)) return false;
        spool.append(id, event);
        if (!spool.contains(id)) return false; // completed meanwhile; the manager drops the orphan journal
        spool.signal(id);
        return true;
    }

    /**
     * Counts for {@code queue stats}.
     *
     * @param messages queued messages
     * @param frozen of them frozen
     * @param bytes their total size
     * @param pending recipients never tried
     * @param deferred recipients waiting for a retry
     * @param oldest the earliest arrival, empty when the queue is empty
     * @param unreadable files that could not be read
     */
    public record Stats(long messages, long frozen, long bytes, long pending, long deferred, Optional<Instant> oldest,
                        long unreadable) {}

    public Stats stats() throws IOException {
        long[] c = new long[6];
        Instant[] oldest = {null};
        list(s -> {
            c[0]++;
            if (s.frozen()) c[1]++;
            c[2] += s.envelope().size();
            for (QueuedRecipient r : s.recipients()) {
                if (r.state() instanceof RecipientState.Pending) c[3]++;
                if (r.state() instanceof RecipientState.Deferred) c[4]++;
            }
            if (oldest[0] == null || s.envelope().arrival().isBefore(oldest[0])) oldest[0] = s.envelope().arrival();
        }, problem -> c[5]++);
        return new Stats(c[0], c[1], c[2], c[3], c[4], Optional.ofNullable(oldest[0]), c[5]);
    }
}
