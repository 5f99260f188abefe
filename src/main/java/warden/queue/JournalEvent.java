package warden.queue;

import warden.mail.ClientText;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One line of a message's journal ({@code spool/journal/ID}, Exim's {@code -J} file): a change
 * of state, appended and fsync'd when it happens. The spool file itself is never changed.
 *
 * <pre>
 * delivered 2026-11-24T13:20:29Z 0 mx.example.net - 250 2.0.0 Ok: queued as 4XyZ
 * deferred 2026-11-24T13:20:29Z 1 2026-11-24T13:25:29Z mx.example.net 451 4.7.1 try later
 * failed 2026-11-24T13:20:29Z 2 5.1.1 mx.example.net 550 5.1.1 no such user
 * reported-failure 2026-11-24T13:20:29Z 2 1a2B3c-Xy12AbCd-000001-F2
 * frozen 2026-11-24T13:30:00Z by admin
 * thawed 2026-11-24T13:31:00Z
 * retry 2026-11-24T13:31:00Z
 * </pre>
 * Fields are separated by one space; the recipient is named by its index in the envelope; a host
 * is xtext ({@link FieldText}) or {@code -} when no host answered; {@code delivered} says
 * {@code relayed} when the next hop took the DSN parameters on (RFC 3461 5.2.2); the reply, last,
 * is the rest of the line, escaped ({@link ClientText}) so it holds no line break.
 */
public sealed interface JournalEvent {

    /** When it happened. */
    Instant at();

    /** The line, without its LF. */
    String line();

    /** A recipient was delivered: {@code reply} is the remote (or local) confirmation. */
    record Delivered(Instant at, int index, Optional<String> host, boolean relayed, String reply) implements JournalEvent {
        public String line() {
            return "delivered " + at + " " + index + " " + hostField(host) + " " + (relayed ? "relayed" : "-") + " " + text(reply);
        }
    }

    /** A recipient was deferred until {@code next}. */
    record Deferred(Instant at, int index, Instant next, Optional<String> host, String reply) implements JournalEvent {
        public String line() {
            return "deferred " + at + " " + index + " " + next + " " + hostField(host) + " " + text(reply);
        }
    }

    /** A recipient failed for good, with the enhanced {@code status} ({@code 5.1.1}, {@code 4.4.7} for expiry). */
    record Failed(Instant at, int index, String status, Optional<String> host, String reply) implements JournalEvent {
        public String line() {
            return "failed " + at + " " + index + " " + (status.isEmpty() ? "-" : status) + " " + hostField(host) + " " + text(reply);
        }
    }

    /** What a report was made about. */
    enum ReportKind {
        FAILURE, DELAY, SUCCESS;

        String word() { return "reported-" + name().toLowerCase(java.util.Locale.ROOT); }
    }

    /**
     * The report for these recipients is in the queue as {@code reportId} (or {@code -}: none was
     * due, nobody asked). Written after the report's own spool file is durable, so a crash
     * between the two makes the report again at the next start, under the same id.
     */
    record Reported(Instant at, ReportKind kind, List<Integer> indexes, String reportId) implements JournalEvent {
        public Reported {
            indexes = List.copyOf(indexes);
        }

        public String line() {
            return kind.word() + " " + at + " " + (indexes.isEmpty() ? "-"
                    : String.join(",", indexes.stream().map(String::valueOf).toList()))
                    + " " + (reportId.isEmpty() ? "-" : reportId);
        }
    }

    /** Frozen (by an admin, or by us): not tried until thawed. */
    record Frozen(Instant at, String reason) implements JournalEvent {
        public String line() { return "frozen " + at + " " + text(reason); }
    }

    /** Thawed: tried again at its next attempt. */
    record Thawed(Instant at) implements JournalEvent {
        public String line() { return "thawed " + at; }
    }

    /** Try every deferred recipient now ({@code warden queue retry}, Exim's {@code -M}). */
    record Retry(Instant at) implements JournalEvent {
        public String line() { return "retry " + at; }
    }

    /**
     * Parses one complete line.
     *
     * @return empty for a line this version does not know or cannot read (skipped: a journal
     *         from a later version, or a corrupted line, must not stop the message)
     */
    static Optional<JournalEvent> parse(String line) {
        String[] f = line.split(" ", 7);
        try {
            Instant at = Instant.parse(f[1]);
            return Optional.of(switch (f[0]) {
                case "delivered" -> new Delivered(at, index(f[2]), host(f[3]), f[4].equals("relayed"), rest(line, 5));
                case "deferred" -> new Deferred(at, index(f[2]), Instant.parse(f[3]), host(f[4]), rest(line, 5));
                case "failed" -> new Failed(at, index(f[2]), f[3].equals("-") ? "" : f[3], host(f[4]), rest(line, 5));
                case "reported-failure" -> new Reported(at, ReportKind.FAILURE, indexes(f[2]), f[3].equals("-") ? "" : f[3]);
                case "reported-delay" -> new Reported(at, ReportKind.DELAY, indexes(f[2]), f[3].equals("-") ? "" : f[3]);
                case "reported-success" -> new Reported(at, ReportKind.SUCCESS, indexes(f[2]), f[3].equals("-") ? "" : f[3]);
                case "frozen" -> new Frozen(at, rest(line, 2));
                case "thawed" -> new Thawed(at);
                case "retry" -> new Retry(at);
                default -> throw new IllegalArgumentException("unknown event");
            });
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static int index(String s) {
        int i = Integer.parseInt(s);
        if (i < 0) throw new IllegalArgumentException("negative index");
        return i;
    }

    private static List<Integer> indexes(String s) {
        List<Integer> out = new ArrayList<>();
        if (s.equals("-")) return out;
        for (String i : s.split(",")) out.add(index(i));
        return out;
    }

    /** The rest of the line after {@code fields} space-separated fields. */
    private static String rest(String line, int fields) {
        int p = 0;
        for (int i = 0; i < fields; i++) {
            p = line.indexOf(' ', p);
            if (p < 0) return "";
            p++;
        }
        return line.substring(p);
    }

    private static Optional<String> host(String field) {
        return field.equals("-") ? Optional.empty() : Optional.of(FieldText.decode(field));
    }

    private static String hostField(Optional<String> host) {
        return host.filter(h -> !h.isEmpty()).map(FieldText::encode).orElse("-");
    }

    private static String text(String s) {
        return ClientText.escape(s);
    }
}
