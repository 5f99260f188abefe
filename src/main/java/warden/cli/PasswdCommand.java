package warden.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import warden.auth.PasswordScheme;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code warden passwd [--scheme SCHEME] USER}: asks for a password and prints the line to add to
 * {@code auth.passwd_file}, {@code USER:{SCHEME}hash}, as {@code doveadm pw -s SCHEME} would
 * (default SHA512-CRYPT, doveadm's usual choice).
 *
 * <p>On a terminal the password is read twice without echo ({@link Console#readPassword}); from a
 * pipe it is the first line of standard input (without its line end), so scripts can use it. The
 * password is never printed, and an empty one is refused.
 *
 * <p>Exit status: 0 with the line printed, 2 for a usage error (bad scheme or user, empty or
 * mismatched password).
 *
 * <h2>Standards</h2>
 * <ul>
 * <li>Dovecot, "Password Schemes" and {@code doveadm pw}: the same output.</li>
 * </ul>
 */
@Command(name = "passwd", mixinStandardHelpOptions = true,
        description = {"Hash a password and print the line to add to auth.passwd_file (Dovecot's passwd-file format).",
                "The password is read from the terminal without echo, or as one line from standard input."})
public final class PasswdCommand implements Callable<Integer> {

    @Option(names = {"-s", "--scheme"}, paramLabel = "SCHEME", defaultValue = "SHA512-CRYPT",
            description = "SHA512-CRYPT (default), SHA256-CRYPT, BLF-CRYPT, ARGON2ID or ARGON2I")
    String scheme;

    @Parameters(index = "0", paramLabel = "USER", description = "the login name (lower case, as logins are compared)")
    String user;

    @Spec
    CommandSpec spec;

    private final InputStream stdin;
    private final Console console;

    /** The command for {@code warden}: the process's terminal, or its standard input. */
    public PasswdCommand() {
        this(System.in, System.console());
    }

    /** For tests: {@code console} null reads one line from {@code stdin}. */
    public PasswdCommand(InputStream stdin, Console console) {
        this.stdin = stdin;
        this.console = terminal(console) ? console : null;
    }

    /**
     * Whether {@code console} is a terminal: from Java 22 {@code System.console()} is not null when
     * standard input is a pipe, and {@code Console.isTerminal()} (called by name, as Warden is
     * compiled for 21) tells.
     */
    static boolean terminal(Console console) {
        if (console == null) return false;
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // Java 21: a console exists only on a terminal
        }
    }

    @Override
    public Integer call() throws IOException {
        var err = spec.commandLine().getErr();
        PasswordScheme s = PasswordScheme.named(scheme).filter(PasswordScheme::generates).orElse(null);
        if (s == null) {
            err.println("warden passwd: unknown scheme '" + scheme.replaceAll("[^\\x21-\\x7e]", "?")
                    + "'; use SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID or ARGON2I");
            return 2;
        }
        if (user.isEmpty() || user.chars().anyMatch(c -> c <= ' ' || c == ':' || c == 0x7f)) {
            err.println("warden passwd: the user name must not be empty or contain ':', spaces or control characters");
            return 2;
        }
        if (!user.equals(user.toLowerCase(Locale.ROOT))) {
            err.println("warden passwd: write the user name in lower case: logins are lowered before they are looked up"
                    + " (Dovecot's auth_username_format %Lu)");
            return 2;
        }
        byte[] password = console != null ? fromTerminal() : firstLine(stdin);
        if (password == null) {
            err.println("warden passwd: the passwords did not match; nothing printed");
            return 2;
        }
        try {
            if (password.length == 0) {
                err.println("warden passwd: the password is empty; nothing printed");
                return 2;
            }
            var out = spec.commandLine().getOut();
            out.println(user + ":{" + s.label() + "}" + s.hash(password));
            out.flush();
            return 0;
        } finally {
            Arrays.fill(password, (byte) 0);
        }
    }

    /** The password typed twice, or null when the two differ. */
    private byte[] fromTerminal() {
        char[] first = console.readPassword("Password: ");
        char[] again = console.readPassword("Retype password: ");
        try {
            if (first == null || again == null || !Arrays.equals(first, again)) return null;
            return new String(first).getBytes(StandardCharsets.UTF_8);
        } finally {
            if (first != null) Arrays.fill(first, '\0');
            if (again != null) Arrays.fill(again, '\0');
        }
    }

    /** The first line of {@code in}, without CR LF or LF. */
    static byte[] firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') b.write(c);
        byte[] line = b.toByteArray();
        if (line.length > 0 && line[line.length - 1] == '\r') line = Arrays.copyOf(line, line.length - 1);
        return line;
    }
}
