package warden.policy.bounce;

import warden.mail.AsciiCase;
import warden.recipient.Problem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The legal bounce recipients of each of our domains: a directory ({@code bounce_recipients})
 * with one file per domain, named after the domain, listing the local parts that may receive
 * bounces because they send mail (seed 004's {@code /etc/mail/bounce-rcpts}).
 *
 * <pre>
 * # /etc/mail/bounce-rcpts/moser-naef.ch
 * postmaster
 * patrick
 * francesca
 * fm
 * </pre>
 *
 * <p>One local part per line, compared in lower case; {@code #} starts a comment; a line
 * {@code *} lets every local part of the domain receive bounces (Exim's {@code lsearch*}
 * default). {@code postmaster} may always receive them, listed or not: sites doing sender
 * callouts ask for it (the seed's sourceforge.net case). A domain without a file is not checked.
 *
 * <p>A file is re-read when its modification time or size changes, so an edit needs no restart.
 * A bad line (an address instead of a local part, several words) is reported with the file and
 * line and left out; {@link #validate} lists them all for {@code warden config check}.
 */
public final class BounceRecipients {

    /** The wildcard line: every local part may receive bounces. */
    public static final String ANY = "*";

    private record Stamp(FileTime modified, long size) {}

    private record Loaded(Stamp stamp, Set<String> locals) {}

    private final Path directory;
    private final Consumer<String> log;
    private final Map<String, Loaded> files = new ConcurrentHashMap<>();

    public BounceRecipients(Path directory, Consumer<String> log) {
        this.directory = directory;
        this.log = log;
    }

    public Path directory() { return directory; }

    /**
     * The local parts of {@code domain} that may receive bounces (lower case, possibly
     * {@link #ANY}), or empty when the domain has no file and is therefore not checked.
     */
    public Optional<Set<String>> of(String domain) {
        String d = domain.strip().toLowerCase(Locale.ROOT);
        if (d.isEmpty() || d.startsWith(".") || d.contains("/") || d.contains("\\")) return Optional.empty();
        Path file = directory.resolve(d);
        Stamp now;
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (!a.isRegularFile()) return Optional.empty();
            now = new Stamp(a.lastModifiedTime(), a.size());
        } catch (NoSuchFileException e) {
            files.remove(d);
            return Optional.empty();
        } catch (IOException e) {
            // XXX keep the last good list: a transient error must not open the domain to bogus bounces
            log.accept("bounce recipients " + file + " cannot be read (" + e.getMessage() + "); keeping the previous list");
            return Optional.ofNullable(files.get(d)).map(Loaded::locals);
        }
        Loaded known = files.get(d);
        if (known != null && known.stamp().equals(now)) return Optional.of(known.locals());
        try {
            List<Problem> problems = new ArrayList<>();
            Set<String> locals = parse(file, Files.readAllLines(file, StandardCharsets.UTF_8), problems);
            problems.forEach(p -> log.accept("bounce recipients: " + p));
            files.put(d, new Loaded(now, locals));
            return Optional.of(locals);
        } catch (IOException e) {
            log.accept("bounce recipients " + file + " cannot be read (" + e.getMessage() + "); keeping the previous list");
            return Optional.ofNullable(known).map(Loaded::locals);
        }
    }

    /** Whether {@code localPart} of {@code domain} may receive bounces (true when the domain has no file). */
    public boolean mayReceive(String localPart, String domain) {
        Optional<Set<String>> locals = of(domain);
        if (locals.isEmpty()) return true;
        String key = key(localPart);
        return key.equals("postmaster") || locals.get().contains(key) || locals.get().contains(ANY);
    }

    /**
     * The key a local part is looked up by: lower case, cut at the first {@code =} (the seed's
     * {@code ${extract{1}{=}{${lc:$local_part}}}}, so that a BATV or VERP-tagged local part
     * such as {@code prvs=1234=patrick} is looked up by its first field, as Exim does).
     */
    public static String key(String localPart) {
        String l = AsciiCase.lower(localPart); // ASCII only: a KELVIN SIGN is not a k
        int eq = l.indexOf('=');
        return eq < 0 ? l : l.substring(0, eq);
    }

    /** Every problem in every file of the directory; a missing directory is one problem. */
    public List<Problem> validate() {
        List<Problem> problems = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            problems.add(new Problem(directory.toString(), 0, "the bounce_recipients directory does not exist",
                    "create it with one file per domain, or remove bounce_recipients"));
            return problems;
        }
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(directory)) {
            for (Path file : dir) {
                if (!Files.isRegularFile(file) || file.getFileName().toString().startsWith(".")) continue;
                parse(file, Files.readAllLines(file, StandardCharsets.UTF_8), problems);
            }
        } catch (IOException e) {
            problems.add(new Problem(directory.toString(), 0, "cannot be read: " + e.getMessage(), "check its permissions"));
        }
        return problems;
    }

    private static Set<String> parse(Path file, List<String> lines, List<Problem> problems) {
        Set<String> locals = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String entry = (hash < 0 ? line : line.substring(0, hash)).strip();
            if (entry.isEmpty()) continue;
            if (entry.contains("@")) {
                problems.add(new Problem(file.toString(), i + 1, "'" + entry + "' is an address, not a local part",
                        "write only the part before the @ ('" + entry.substring(0, entry.indexOf('@')) + "')"));
            } else if (entry.chars().anyMatch(c -> Character.isWhitespace(c) || c == ':' || c < 0x20)) {
                problems.add(new Problem(file.toString(), i + 1, "'" + entry + "' is not one local part",
                        "write one local part per line, e.g. patrick"));
            } else {
                locals.add(entry.equals(ANY) ? ANY : key(entry));
            }
        }
        return Set.copyOf(locals);
    }
}
