package warden.greylist.imports;

import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes imported entries into Warden's greylist store through {@link GreylistAdmin}.
 *
 * <p>Several source entries may land on one Warden key (greylistd keyed full addresses, Warden
 * groups a /24): they are merged first. On one list, the merged entry spans the earliest first
 * and the latest last sighting and sums the requests; across lists the stronger one wins, black
 * over white over grey, as an operator's blacklisting must survive a migration. An entry Warden
 * already holds (live) is kept unless {@code replace}: running an import twice changes nothing.
 */
public final class StoreImport {

    /**
     * What an import wrote.
     *
     * @param written entries written, per list
     * @param kept entries Warden already held and kept
     * @param merged source entries folded into another with the same Warden key
     * @param entries the merged entries, in key order of first appearance
     */
    public record Outcome(Map<GreylistState, Integer> written, int kept, int merged, List<ImportedEntry> entries) {
        public Outcome {
            written = Map.copyOf(written);
            entries = List.copyOf(entries);
        }

        public int total() { return written.values().stream().mapToInt(Integer::intValue).sum(); }
    }

    private StoreImport() {}

    /** Merges {@code entries} and, unless {@code dryRun}, writes them. */
    public static Outcome write(GreylistAdmin admin, List<ImportedEntry> entries, boolean replace, boolean dryRun) {
        Map<String, ImportedEntry> merged = new LinkedHashMap<>();
        for (ImportedEntry e : entries) merged.merge(e.key(), e, StoreImport::merge);
        Map<GreylistState, Integer> written = new EnumMap<>(GreylistState.class);
        for (GreylistState s : GreylistState.values()) written.put(s, 0);
        int kept = 0;
        for (ImportedEntry e : merged.values()) {
            if (dryRun || admin.restore(e.key(), e.entry(), replace)) {
                written.merge(e.entry().state(), 1, Integer::sum);
            } else {
                kept++;
            }
        }
        return new Outcome(written, kept, entries.size() - merged.size(), new ArrayList<>(merged.values()));
    }

    private static ImportedEntry merge(ImportedEntry a, ImportedEntry b) {
        GreylistEntry x = a.entry();
        GreylistEntry y = b.entry();
        if (x.state() != y.state()) return rank(x.state()) >= rank(y.state()) ? a : b;
        Instant first = x.firstSeen().isBefore(y.firstSeen()) ? x.firstSeen() : y.firstSeen();
        Instant last = x.lastSeen().isAfter(y.lastSeen()) ? x.lastSeen() : y.lastSeen();
        Instant expires = x.expires().isAfter(y.expires()) ? x.expires() : y.expires();
        return new ImportedEntry(a.key(), new GreylistEntry(x.state(), first, last, expires, x.requests() + y.requests(),
                x.delayed().compareTo(y.delayed()) >= 0 ? x.delayed() : y.delayed()), a.origin() + ", " + b.origin());
    }

    private static int rank(GreylistState s) {
        return switch (s) {
            case GREY -> 0;
            case WHITE -> 1;
            case BLACK -> 2;
        };
    }
}
