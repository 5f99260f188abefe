package warden.door.greylistd;

import warden.greylist.GreylistCounter;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistState;
import warden.mail.ClientText;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * The texts of greylistd's {@code list}, {@code stats} and {@code mrtg} answers, character for
 * character as greylistd 0.9 prints them (its {@code listTriplets}, {@code do_stats},
 * {@code do_mrtg} and {@code duration}), made from Warden's store.
 *
 * <p>What differs, because the store knows more or less than greylistd's files: {@code list}
 * shows every live entry (greylistd only those whose text it kept), with its key as the data
 * (a triplet keyed by its client's network, {@code 192.0.2.0/24 alice@example.org bob@example.net});
 * {@code stats} is titled {@code Statistics} without a start time, because the store's counters
 * outlive any one server (greylistd prints that title too, when it has no start time); and
 * {@code mrtg}'s uptime is this server's.
 */
final class GreylistdReports {

    private static final List<GreylistState> ORDER = List.of(GreylistState.WHITE, GreylistState.GREY, GreylistState.BLACK);
    private static final String ROW = "  %-20s %5s  %s\n";
    private static final DateTimeFormatter LAST_SEEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private GreylistdReports() {}

    /**
     * {@code list}: a table per list asked for (every list if none), in greylistd's order; an
     * empty list prints nothing, and so does an empty store (the {@code greylist} tool then says
     * {@code (No response from greylistd)}).
     */
    static String list(SortedMap<String, GreylistEntry> entries, List<GreylistState> lists, Instant now, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        for (GreylistState state : lists.isEmpty() ? ORDER : lists) {
            List<Map.Entry<String, GreylistEntry>> rows = entries.entrySet().stream()
                    .filter(e -> e.getValue().state() == state && !e.getValue().expiredAt(now)).toList();
            if (rows.isEmpty()) continue;
            String title = capitalised(state.label()) + "list data:";
            b.append('\n').append(title).append('\n').append("=".repeat(title.length())).append('\n');
            b.append(String.format(Locale.ROOT, ROW, "Last Seen", "Count", "Data"));
            for (Map.Entry<String, GreylistEntry> row : rows) {
                String data = Subject.textOf(row.getKey()).orElse(row.getKey());
                b.append(String.format(Locale.ROOT, ROW, LAST_SEEN.format(row.getValue().lastSeen().atZone(zone)),
                        row.getValue().requests(), ClientText.ascii(data, 1000)));
            }
        }
        return b.toString();
    }

    /**
     * {@code stats}: live entries and the requests they matched, per list; then, of the keys that
     * ever turned grey and are no longer grey, how many were whitelisted and how many expired.
     */
    static String stats(SortedMap<String, GreylistEntry> entries, Map<GreylistCounter, Long> counters, Instant now) {
        Map<GreylistState, Long> items = new EnumMap<>(GreylistState.class);
        Map<GreylistState, Long> hits = new EnumMap<>(GreylistState.class);
        for (GreylistState s : ORDER) {
            items.put(s, 0L);
            hits.put(s, 0L);
        }
        for (GreylistEntry e : entries.values()) {
            if (e.expiredAt(now)) continue;
            items.merge(e.state(), 1L, Long::sum);
            hits.merge(e.state(), e.requests(), Long::sum);
        }
        List<String> text = new ArrayList<>();
        String title = "Statistics";
        text.add(title);
        text.add("-".repeat(title.length()));
        int hitDigits = String.valueOf(hits.values().stream().max(Long::compare).orElse(0L)).length();
        int itemDigits = String.valueOf(items.values().stream().max(Long::compare).orElse(0L)).length();
        for (GreylistState s : ORDER) {
            text.add(right(items.get(s), itemDigits) + " items, matching " + right(hits.get(s), hitDigits)
                    + " requests, are currently " + s.label() + "listed");
        }
        long greylisted = counters.getOrDefault(GreylistCounter.GREYLISTED, 0L);
        long promoted = counters.getOrDefault(GreylistCounter.PROMOTED, 0L);
        long previousGrey = greylisted - items.get(GreylistState.GREY);
        if (previousGrey > 0) {
            long whitened = Math.min(promoted, previousGrey);
            long expired = previousGrey - whitened;
            int digits = String.valueOf(previousGrey).length();
            text.add("");
            text.add("Of " + right(previousGrey, digits) + " items that were initially greylisted:");
            text.add(" - " + right(whitened, digits) + " (" + percent(whitened, previousGrey) + "%) became whitelisted");
            text.add(" - " + right(expired, digits) + " (" + percent(expired, previousGrey) + "%) expired from the greylist");
        }
        text.add("");
        return String.join("\n", text);
    }

    /** {@code mrtg}: keys ever greylisted, ever whitelisted, uptime, host name; four lines. */
    static String mrtg(Map<GreylistCounter, Long> counters, Duration uptime, String hostname) {
        return counters.getOrDefault(GreylistCounter.GREYLISTED, 0L) + "\n" + counters.getOrDefault(GreylistCounter.PROMOTED, 0L)
                + "\n" + duration(uptime.toSeconds()) + "\n" + hostname + "\n";
    }

    /** greylistd's {@code duration()}: {@code 7 seconds}, {@code 1 minute and 5 seconds}, {@code 2 hours}, {@code 3 days and 1 hour}. */
    static String duration(long secs) {
        if (secs < 60) return secs + " second" + (secs > 1 ? "s" : "");
        if (secs < 3600) return pair(secs / 60, "minute", secs % 60, "second");
        if (secs + 30 < 86400) return pair((secs + 30) / 3600, "hour", ((secs + 30) / 60) % 60, "minute");
        return pair((secs + 1800) / 86400, "day", ((secs + 1800) / 3600) % 24, "hour");
    }

    /** {@code 2 minutes and 5 seconds}; the small unit left out when zero. greylistd pluralises the big one at != 1, the small at > 1. */
    private static String pair(long big, String bigUnit, long small, String smallUnit) {
        return big + " " + bigUnit + (big != 1 ? "s" : "")
                + (small == 0 ? "" : " and " + small + " " + smallUnit + (small > 1 ? "s" : ""));
    }

    private static String right(long n, int width) {
        String s = String.valueOf(n);
        return " ".repeat(Math.max(0, width - s.length())) + s;
    }

    private static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%5.1f", 100.0 * part / whole);
    }

    private static String capitalised(String word) {
        return Character.toUpperCase(word.charAt(0)) + word.substring(1);
    }
}
