package warden.greylist.imports;

import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;
import warden.mail.ClientText;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads greylistd's {@code states} file joined with its {@code triplets} file.
 *
 * <p>{@code states} is INI text: sections {@code [white]}, {@code [grey]}, {@code [black]} of
 * lines {@code HASH = LASTSEEN FIRSTSEEN COUNT} (epoch seconds), and {@code [statistics]}.
 * {@code HASH} is Python's {@code hash()} of the request text, randomised per process since
 * Python 3.3, so it can never be recomputed: only {@code triplets} ({@code HASH = TEXT}, written
 * when {@code savetriplets} is on) tells what an entry was. An entry without its line there is
 * counted as unrecoverable and never guessed. Because both files carry the hashes of the process
 * that made them, the join also recovers entries a greylistd restart made unreachable.
 *
 * <p>State, first and last sighting and request count are kept; expiry is Warden's
 * ({@link ImportedEntry#aged}). A white entry's first sighting is its promotion time: greylistd
 * restarts the timestamps when it moves an entry between lists. A malformed {@code states} line
 * is reported with its file, line and fix, and the caller writes nothing.
 *
 * <h2>Standards</h2>
 * greylistd(8) 0.9 ({@code loadFromFile}, {@code saveToFile}, {@code syncTriplets}).
 */
public final class GreylistdFiles {

    private static final Pattern ENTRY = Pattern.compile("(-?\\d{1,20})\\s*=\\s*(\\d{1,12})\\s+(\\d{1,12})\\s+(\\d{1,18})");
    private static final Pattern TRIPLET = Pattern.compile("(-?\\d{1,20}) = (.*)");
    private static final Set<String> SECTIONS = Set.of("white", "grey", "black", "statistics");

    private GreylistdFiles() {}

    /**
     * Reads {@code states} and {@code triplets} (which may be missing: then nothing can be
     * recovered, and the report says so). Throws {@link NoSuchFileException} for a missing
     * {@code states} file.
     */
    public static ImportReport read(Path states, Path triplets, GreylistSettings settings, Instant now) throws IOException {
        ImportReport report = new ImportReport("greylistd " + states + " with " + triplets);
        List<String> stateLines = lines(states);
        Map<Long, String> data = Files.exists(triplets) ? tripletData(triplets, report) : Map.of();
        String section = null;
        for (int i = 0; i < stateLines.size(); i++) {
            String line = stateLines.get(i).strip();
            String where = states + ":" + (i + 1);
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("[") && line.contains("]")) {
                section = line.substring(1, line.indexOf(']')).strip().toLowerCase(java.util.Locale.ROOT);
                if (!SECTIONS.contains(section)) {
                    report.malformed(where + ": [" + section + "] is not a greylistd section; greylistd writes [white], [grey],"
                            + " [black] and [statistics]: correct or delete the section");
                    section = "?";
                }
                continue;
            }
            if ("statistics".equals(section) || "?".equals(section)) continue;
            Matcher m = ENTRY.matcher(line);
            if (section == null || !m.matches()) {
                report.malformed(where + ": '" + ClientText.ascii(line, 200) + "' is not 'HASH = LASTSEEN FIRSTSEEN COUNT'"
                        + (section == null ? " under [white], [grey] or [black]" : "")
                        + " (greylistd writes e.g. '-2412690117 = 1795482733 1795482733 2'): correct or delete the line");
                continue;
            }
            report.read();
            long hash;
            try {
                hash = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                report.malformed(where + ": hash " + m.group(1) + " is not a 64-bit number as greylistd writes: correct or delete the line");
                continue;
            }
            String text = data.get(hash);
            if (text == null) {
                report.lost("have no line in " + triplets + ": greylistd keeps only a hash of the request text, Python"
                        + " randomises that hash in every process, so what they stood for cannot be recovered");
                continue;
            }
            entry(report, where, GreylistState.parse(section), text, m, settings, now);
        }
        return report;
    }

    private static void entry(ImportReport report, String where, GreylistState state, String text, Matcher m,
                              GreylistSettings settings, Instant now) {
        GreylistdData.Subject subject;
        try {
            subject = GreylistdData.subject(text, settings);
        } catch (IllegalArgumentException e) {
            report.notImported(where + ": " + ClientText.ascii(e.getMessage(), 200));
            return;
        }
        Instant last = Instant.ofEpochSecond(Long.parseLong(m.group(2)));
        Instant first = Instant.ofEpochSecond(Long.parseLong(m.group(3)));
        ImportedEntry entry = ImportedEntry.aged(subject.key(), subject.network(), state, first, last,
                Long.parseLong(m.group(4)), settings, where);
        if (entry.expiredAt(now)) {
            report.lost("had expired under Warden's greylist settings (grey: greylist.timeout after the first sighting;"
                    + " white and black: greylist.lifetime after the last)");
        } else {
            report.add(entry);
        }
    }

    /** {@code HASH = TEXT} lines; others are skipped, as greylistd itself skips them, but reported. */
    private static Map<Long, String> tripletData(Path triplets, ImportReport report) throws IOException {
        Map<Long, String> data = new HashMap<>();
        List<String> lines = lines(triplets);
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = TRIPLET.matcher(lines.get(i).stripTrailing());
            if (lines.get(i).isBlank()) continue;
            try {
                if (!m.matches()) throw new NumberFormatException();
                data.put(Long.parseLong(m.group(1)), m.group(2).strip());
            } catch (NumberFormatException e) {
                report.notImported(triplets + ":" + (i + 1) + ": '" + ClientText.ascii(lines.get(i), 200)
                        + "' is not 'HASH = TEXT'; greylistd ignores such lines too");
            }
        }
        return data;
    }

    /** The file's lines; bytes that are not UTF-8 become U+FFFD, as greylistd decodes with 'replace'. */
    static List<String> lines(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
    }
}
