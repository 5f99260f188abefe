package warden.greylist.imports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The key/value pairs of a Berkeley DB file, as {@code db5.3_dump -p} prints them. Java has no
 * reader for Berkeley DB's page format, and postgrey's files live in a transactional environment
 * (its {@code __db.00N} and {@code log.N} files), so the database's own tool reads them.
 *
 * <p>The "print" format: header lines up to {@code HEADER=END}, then one line per key and one per
 * value, each starting with a space, printable bytes as themselves, {@code \\} for a backslash and
 * {@code \xx} (two hex digits) for any other byte; {@code DATA=END} closes the data.
 *
 * <h2>Standards</h2>
 * Berkeley DB 5.3 db_dump(1) and db_load(1), "-p" output format.
 */
final class BerkeleyDump {

    private BerkeleyDump() {}

    /**
     * Dumps {@code file} (a name inside {@code home}, the environment directory). Throws
     * {@link IOException} with the tool's own complaint and what to do.
     */
    static List<Map.Entry<String, String>> read(String program, Path home, String file) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(program, "-p", "-h", home.toString(), file).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new IOException(program + " cannot be run (" + e.getMessage() + "): install db5.3-util"
                    + " (apt-get install db5.3-util) or name the db_dump program of postgrey's Berkeley DB with --db-dump");
        }
        CompletableFuture<byte[]> errors = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        byte[] out = drain(p.getInputStream());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(program + " did not finish reading " + home.resolve(file) + " within 60 s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + home.resolve(file));
        }
        if (p.exitValue() != 0) {
            String why = new String(errors.join(), StandardCharsets.UTF_8).strip().lines().findFirst().orElse("exit status " + p.exitValue());
            throw new IOException(program + " cannot read " + home.resolve(file) + " (" + warden.mail.ClientText.ascii(why, 200)
                    + "): stop postgrey first; after a crash run 'db5.3_recover -h " + home + "'");
        }
        return parse(new String(out, StandardCharsets.ISO_8859_1), home.resolve(file));
    }

    /** The pairs of a "print" dump (read as ISO-8859-1, one char per byte), values decoded as UTF-8. */
    static List<Map.Entry<String, String>> parse(String dump, Path file) throws IOException {
        List<String> data = new ArrayList<>();
        boolean inData = false;
        for (String line : dump.lines().toList()) {
            if (!inData) {
                inData = line.equals("HEADER=END");
            } else if (line.equals("DATA=END")) {
                break;
            } else if (line.startsWith(" ")) {
                data.add(unescape(line.substring(1), file));
            } else {
                throw new IOException(file + ": unexpected dump line '" + warden.mail.ClientText.ascii(line, 100) + "'");
            }
        }
        if (data.size() % 2 != 0) throw new IOException(file + ": the dump ends with a key without its value");
        List<Map.Entry<String, String>> pairs = new ArrayList<>(data.size() / 2);
        for (int i = 0; i < data.size(); i += 2) pairs.add(Map.entry(data.get(i), data.get(i + 1)));
        return pairs;
    }

    private static String unescape(String printed, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(printed.length());
        for (int i = 0; i < printed.length(); i++) {
            char c = printed.charAt(i);
            if (c != '\\') {
                bytes.write(c);
            } else if (i + 1 < printed.length() && printed.charAt(i + 1) == '\\') {
                bytes.write('\\');
                i++;
            } else if (i + 2 < printed.length()) {
                try {
                    bytes.write(Integer.parseInt(printed, i + 1, i + 3, 16));
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": bad escape in dump line '" + warden.mail.ClientText.ascii(printed, 100) + "'");
                }
                i += 2;
            } else {
                throw new IOException(file + ": bad escape at the end of dump line '" + warden.mail.ClientText.ascii(printed, 100) + "'");
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static byte[] drain(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
