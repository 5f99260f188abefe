package warden.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fail2ban filter README documents ({@code packaging/fail2ban/filter.d/warden-auth.conf}) as a
 * Java pattern: its {@code failregex}, read from that file, with fail2ban's {@code <HOST>} as a
 * named group, applied (as fail2ban does) to a main-log line after its date.
 */
public final class Fail2banFilter {

    public static final Path FILE = Path.of("packaging/fail2ban/filter.d/warden-auth.conf");

    private Fail2banFilter() {}

    /** The filter's failregex as a Java pattern. */
    public static Pattern failregex() {
        try {
            Matcher m = Pattern.compile("(?m)^failregex = (.*)$").matcher(Files.readString(FILE));
            if (!m.find()) throw new IllegalStateException(FILE + " has no failregex line");
            return Pattern.compile(m.group(1).strip().replace("<HOST>", "(?<host>[^\\]]+)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The client address fail2ban would count a failure against for this main-log line, if any. */
    public static Optional<String> banned(String logLine) {
        Matcher m = failregex().matcher(logLine.replaceFirst("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d", ""));
        return m.find() ? Optional.of(m.group("host")) : Optional.empty();
    }
}
