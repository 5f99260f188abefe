package warden.greylist.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a reader made of another greylist's data: the entries it can carry over, the lines that
 * are malformed (which stop the import: nothing is written until they are fixed), the lines it
 * understood but cannot take, and counts of entries lost for a reason that applies to many
 * (hashes without clear text, entries already expired under Warden's rules).
 */
public final class ImportReport {

    private final String source;
    private final List<ImportedEntry> entries = new ArrayList<>();
    private final List<String> malformed = new ArrayList<>();
    private final List<String> notImported = new ArrayList<>();
    private final Map<String, Integer> lost = new LinkedHashMap<>();
    private int read;

    /** @param source what was read, for the report's first line ({@code greylistd /var/lib/greylistd/states}) */
    public ImportReport(String source) {
        this.source = source;
    }

    void read() { read++; }

    void add(ImportedEntry entry) { entries.add(entry); }

    /** A line that is not in the source's format: {@code FILE:LINE: problem; fix}. */
    void malformed(String line) { malformed.add(line); }

    /** A well-formed line Warden cannot take: {@code FILE:LINE: why}. */
    void notImported(String line) { notImported.add(line); }

    /** One more entry lost for {@code why}, a sentence shared by all of them. */
    void lost(String why) { lost.merge(why, 1, Integer::sum); }

    public String source() { return source; }

    /** How many entries (data lines or database keys) were read. */
    public int entriesRead() { return read; }

    public List<ImportedEntry> entries() { return List.copyOf(entries); }

    public List<String> malformed() { return List.copyOf(malformed); }

    public List<String> notImported() { return List.copyOf(notImported); }

    /** Reasons with how many entries each cost, in the order first met. */
    public List<Map.Entry<String, Integer>> lost() {
        return lost.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList();
    }
}
