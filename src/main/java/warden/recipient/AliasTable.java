package warden.recipient;

import warden.mail.AsciiCase;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One virtual-domain file, parsed: local part to target addresses, with an optional {@code *}
 * catch-all, read the way Exim's {@code lsearch*} lookup reads it.
 *
 * <pre>
 * # moser-naef.ch
 * patrick: patrick@localhost
 * foo: patrick@localhost, francesca@localhost
 * *: patrick@localhost
 * </pre>
 *
 * <p>Each entry is a key (a local part, or {@code *}), an optional colon, and one or more target
 * addresses separated by commas and/or spaces. A line that starts with white space continues the
 * entry above it, as in lsearch. Lines starting with {@code #} and blank lines are ignored. Keys
 * are case-insensitive for ASCII letters ({@link AsciiCase}). A lookup tries the exact key first, then {@code *}. When a key appears
 * twice the first entry wins (lsearch stops at the first match) and the second is reported.
 *
 * <p>A malformed entry becomes a {@link Problem} naming the line and the fix, and is left out of
 * the table: a file with one bad line still routes every other address.
 *
 * <h2>Standards</h2>
 * Exim specification, chapter "File and database lookups" ({@code lsearch}, {@code lsearch*});
 * the seed's {@code router_virtualdomains}.
 *
 * <p>Not supported: Exim redirect items other than addresses ({@code |pipe}, {@code /file},
 * {@code :include:}, {@code :fail:}, {@code :blackhole:}, {@code :defer:}), quoted keys, and
 * {@code lsearch*@}. Each is reported as a problem rather than silently misread.
 *
 * @param file the file name, for problems found later (routing loops, dead targets)
 * @param entries the entries by lower-case key, in file order ({@code *} included)
 */
public record AliasTable(String file, Map<String, Entry> entries) {

    /** The catch-all key. */
    public static final String WILDCARD = "*";

    public AliasTable {
        entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** One entry: its lower-case key, its targets as written, and the line it started on. */
    public record Entry(String key, List<String> targets, int line) {
        public Entry { targets = List.copyOf(targets); }
    }

    /** A parsed file: the usable table and what was wrong with the rest. */
    public record Parsed(AliasTable table, List<Problem> problems) {
        public Parsed { problems = List.copyOf(problems); }
    }

    /** The entry for {@code localPart} (any case), else the {@code *} entry, else empty. */
    public Optional<Entry> lookup(String localPart) {
        Entry e = entries.get(AsciiCase.lower(localPart));
        return Optional.ofNullable(e != null ? e : entries.get(WILDCARD));
    }

    /**
     * Parses a file's lines.
     *
     * @param file the file name used in problems
     * @param lines the lines without their line ends
     */
    public static Parsed parse(String file, List<String> lines) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<Problem> problems = new ArrayList<>();
        int start = 0;
        StringBuilder pending = null;
        for (int i = 0; i <= lines.size(); i++) {
            String line = i < lines.size() ? lines.get(i) : "";
            boolean continuation = !line.isEmpty() && Character.isWhitespace(line.charAt(0)) && !line.isBlank();
            if (continuation) {
                if (pending == null) {
                    problems.add(new Problem(file, i + 1, "a line starting with white space continues an entry, "
                            + "but there is no entry above it", "remove the leading white space"));
                } else {
                    pending.append(' ').append(line.strip());
                }
                continue;
            }
            if (pending != null) {
                entry(file, start, pending.toString(), entries, problems);
                pending = null;
            }
            if (line.isBlank() || line.charAt(0) == '#') continue;
            start = i + 1;
            pending = new StringBuilder(line.strip());
        }
        return new Parsed(new AliasTable(file, entries), problems);
    }

    private static final String FORMAT = "write `local-part: target@domain[, target@domain ...]`";

    private static void entry(String file, int line, String text, Map<String, Entry> entries, List<Problem> problems) {
        if (text.charAt(0) == '"') {
            problems.add(new Problem(file, line, "quoted keys are not supported", "write the local part unquoted"));
            return;
        }
        int end = 0;
        while (end < text.length() && text.charAt(end) != ':' && !Character.isWhitespace(text.charAt(end))) end++;
        String key = AsciiCase.lower(text.substring(0, end));
        String data = text.substring(end).strip();
        if (data.startsWith(":") && !data.startsWith(":fail:") && !data.startsWith(":blackhole:")
                && !data.startsWith(":defer:") && !data.startsWith(":include:")) {
            data = data.substring(1).strip();
        }
        if (key.isEmpty()) {
            problems.add(new Problem(file, line, "the entry has no key before the colon", FORMAT));
            return;
        }
        int at = key.lastIndexOf('@');
        if (at >= 0) {
            problems.add(new Problem(file, line, "the key `" + key + "` is a whole address; keys are local parts",
                    "write `" + key.substring(0, at) + ":` (the domain is the file name)"));
            return;
        }
        if (!key.equals(WILDCARD)) {
            Optional<String> bad = LocalPart.illegal(key);
            if (bad.isPresent()) {
                problems.add(new Problem(file, line, "the key `" + key + "`: " + bad.get()
                        + ", so no such address can ever be accepted", "remove the line or fix the key"));
                return;
            }
        }
        List<String> targets = new ArrayList<>();
        for (String t : data.split("[,\\s]+")) {
            if (t.isEmpty()) continue;
            Optional<String> bad = target(t);
            if (bad.isPresent()) {
                problems.add(new Problem(file, line, "`" + key + "`: the target `" + t + "` " + bad.get(),
                        "use plain addresses such as `user@localhost`"));
                return;
            }
            targets.add(t);
        }
        if (targets.isEmpty()) {
            problems.add(new Problem(file, line, "`" + key + "` has no target address", FORMAT));
            return;
        }
        if (entries.containsKey(key)) {
            problems.add(new Problem(file, line, "`" + key + "` is already defined on line " + entries.get(key).line()
                    + "; this entry is never used", "merge the targets into the first entry and remove this line"));
            return;
        }
        entries.put(key, new Entry(key, targets, line));
    }

    /** Why a target cannot be used, or empty. */
    private static Optional<String> target(String t) {
        char c = t.charAt(0);
        if (c == '|') return Optional.of("is a pipe to a command, which Warden does not support");
        if (c == '/') return Optional.of("is a file, which Warden does not support");
        if (c == ':') return Optional.of("is an Exim special item, which Warden does not support");
        int at = t.lastIndexOf('@');
        String local = at < 0 ? t : t.substring(0, at);
        if (at >= 0 && at == t.length() - 1) return Optional.of("has an empty domain");
        return LocalPart.illegal(local).map(reason -> "is not a usable address: " + reason);
    }
}
