package warden.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The interop matrix of issue 9's closing note: one row per real client, port (role) and case,
 * with what was observed, kept in {@code target/interop-matrix.txt} as a Markdown table. A row is
 * written as {@code NOT PASSED} when a case starts and replaced by what was seen when its checks
 * have passed, so the file never shows a stale pass for a case that failed in the last run; rows of
 * cases not run this time stay as they were. Rows are sorted by client, port and case.
 */
final class InteropMatrix {

    static final Path FILE = Path.of("target", "interop-matrix.txt");
    private static final String HEADER = "| client | port (role) | case | result |\n| --- | --- | --- | --- |\n";

    private InteropMatrix() {}

    /** One case of the matrix, written as not passed until {@link #passed} is called. */
    static Row row(String client, String port, String kase) {
        Row r = new Row(client, port, kase);
        put(r, "NOT PASSED (the test failed or did not finish)");
        return r;
    }

    record Row(String client, String port, String kase) {
        /** The case passed; {@code observed} says what the client saw (reply codes, protocol, cipher). */
        void passed(String observed) {
            put(this, observed);
        }
    }

    private static synchronized void put(Row r, String result) {
        try {
            Map<String, String> rows = new TreeMap<>();
            if (Files.exists(FILE)) {
                for (String line : Files.readAllLines(FILE, StandardCharsets.UTF_8)) {
                    List<String> cells = cells(line);
                    if (cells.size() == 4 && !cells.get(0).equals("client") && !cells.get(0).startsWith("---")) {
                        rows.put(key(cells.get(0), cells.get(1), cells.get(2)), line);
                    }
                }
            }
            rows.put(key(r.client, r.port, r.kase), "| " + r.client + " | " + r.port + " | " + r.kase + " | "
                    + result.replace("|", "/").replace("\n", " ") + " |");
            Files.createDirectories(FILE.getParent());
            Files.writeString(FILE, HEADER + String.join("\n", rows.values()) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE, e);
        }
    }

    private static String key(String client, String port, String kase) {
        return client + "\u0000" + port + "\u0000" + kase;
    }

    private static List<String> cells(String line) {
        List<String> out = new ArrayList<>();
        if (!line.startsWith("|")) return out;
        for (String c : line.substring(1).split(" \\|", -1)) out.add(c.strip());
        if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) out.remove(out.size() - 1);
        return out;
    }
}
