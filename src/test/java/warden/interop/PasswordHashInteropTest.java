package warden.interop;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import warden.auth.Authenticator;
import warden.auth.PasswdFile;
import warden.cli.PasswdCommand;
import warden.testing.TestClock;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Password hashes checked against other tools, both ways, for issue 9's closing note.
 *
 * <p>Tool to Warden: hashes made by Dovecot's {@code doveadm pw -s SCHEME}, whois's {@code mkpasswd
 * -m sha-512|sha-256|bcrypt|bcrypt-a} and the reference {@code argon2 SALT -id|-i -e}, written to a
 * passwd-file; {@link PasswdFile} must accept the password and refuse a wrong one. Warden to tool:
 * lines printed by {@code warden passwd --scheme SCHEME} checked by {@code doveadm pw -t} (with
 * {@code -c /dev/null}, so no Dovecot configuration is needed) and, for the crypt(3) schemes, by
 * Python's {@code crypt} (libxcrypt). The table is printed and written to
 * {@code target/hash-interop.md}. A tool that is missing skips its rows with the reason.
 */
class PasswordHashInteropTest {

    private static final String PASSWORD = "Pässwort mit Leerzeichen 7!";
    private static final String WRONG = "Pässwort mit Leerzeichen 8!";
    private static final Map<String, String> TABLE = Collections.synchronizedMap(new TreeMap<>());

    @TempDir
    Path dir;

    record Run(int exit, String out) {}

    private static Run run(String stdin, String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Run(-1, cmd[0] + " is not installed");
        }
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in 60 s");
        }
        return new Run(p.exitValue(), out);
    }

    private static void assumeTool(String tool, String... versionCommand) throws Exception {
        Run r = run(null, versionCommand);
        assumeTrue(r.exit() != -1, tool + " is not installed (apt-get install " + switch (tool) {
            case "doveadm" -> "dovecot-core";
            case "mkpasswd" -> "whois";
            default -> tool;
        } + "; .ci/run installs it): its rows are skipped");
    }

    private static void record(String scheme, String tool, String direction, String result) {
        TABLE.merge(scheme + " | " + tool, direction + ": " + result, (a, b) -> a.compareTo(b) < 0 ? a + "; " + b : b + "; " + a);
    }

    /** Writes {@code user:FIELD} to a passwd-file and checks the right and a wrong password. */
    private void wardenAccepts(String field, String label) throws Exception {
        Path f = dir.resolve("passwd-" + Math.abs(field.hashCode()));
        Files.writeString(f, "# made by " + label + "\nalice:" + field + "\n");
        PasswdFile p = new PasswdFile(f, new TestClock(), Duration.ofSeconds(1));
        assertThat(p.problems()).as(label).isEmpty();
        assertThat(p.warnings()).as(label).allSatisfy(w -> assertThat(w.message()).contains("{PLAIN} password"));
        assertThat(p.authenticate("alice", PASSWORD)).as(label).isEqualTo(new Authenticator.Result.Accepted("alice"));
        assertThat(p.authenticate("alice", WRONG)).as(label).isInstanceOf(Authenticator.Result.Rejected.class);
    }

    @Test
    void doveadmHashesAreAcceptedByWarden() throws Exception {
        assumeTool("doveadm", "doveadm", "-c", "/dev/null", "pw", "-l");
        for (String scheme : List.of("SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "ARGON2ID", "ARGON2I", "PLAIN")) {
            Run r = run(null, "doveadm", "-c", "/dev/null", "pw", "-s", scheme, "-p", PASSWORD);
            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).startsWith("{" + scheme + "}");
            wardenAccepts(r.out(), "doveadm pw -s " + scheme);
            record(scheme, "doveadm pw (Dovecot 2.3)", "tool -> Warden", "accepted, wrong refused");
        }
    }

    @Test
    void mkpasswdHashesAreAcceptedByWarden() throws Exception {
        assumeTool("mkpasswd", "mkpasswd", "--version");
        record(List.of(
                new String[] {"sha-512", "SHA512-CRYPT", "$6$"},
                new String[] {"sha-256", "SHA256-CRYPT", "$5$"},
                new String[] {"bcrypt", "BLF-CRYPT", "$2b$"},
                new String[] {"bcrypt-a", "BLF-CRYPT", "$2a$"}));
        // glibc's rounds= spelled out
        Run r = run(null, "mkpasswd", "-m", "sha-512", "-R", "10000", PASSWORD);
        assertThat(r.out()).startsWith("$6$rounds=10000$");
        wardenAccepts("{SHA512-CRYPT}" + r.out(), "mkpasswd -m sha-512 -R 10000");
    }

    private void record(List<String[]> methods) throws Exception {
        for (String[] m : methods) {
            Run r = run(null, "mkpasswd", "-m", m[0], PASSWORD);
            assertThat(r.exit()).as(r.out()).isZero();
            assertThat(r.out()).startsWith(m[2]);
            wardenAccepts("{" + m[1] + "}" + r.out(), "mkpasswd -m " + m[0]);
            wardenAccepts("{CRYPT}" + r.out(), "mkpasswd -m " + m[0] + " as {CRYPT}");
            wardenAccepts(r.out(), "mkpasswd -m " + m[0] + " without a scheme");
            record(m[1], "mkpasswd -m " + m[0] + " (whois 5.5)", "tool -> Warden", "accepted as {" + m[1] + "}, {CRYPT} and bare, wrong refused");
        }
    }

    @Test
    void argon2ReferenceHashesAreAcceptedByWarden() throws Exception {
        Run present = run(null, "sh", "-c", "command -v argon2");
        assumeTrue(present.exit() == 0, "argon2 is not installed (apt-get install argon2; .ci/run installs it): its rows are skipped");
        for (String[] v : List.of(new String[] {"-id", "ARGON2ID"}, new String[] {"-i", "ARGON2I"})) {
            for (String[] cost : List.of(new String[] {"-k", "4096", "-t", "3"}, new String[] {"-k", "65536", "-t", "2"})) {
                List<String> cmd = new ArrayList<>(List.of("argon2", "warden-salt-16b", v[0], "-e", "-p", "2"));
                cmd.addAll(List.of(cost));
                Run r = run(PASSWORD, cmd.toArray(String[]::new));
                assertThat(r.exit()).as(r.out()).isZero();
                assertThat(r.out()).startsWith("$argon2");
                wardenAccepts("{" + v[1] + "}" + r.out(), String.join(" ", cmd));
            }
            record(v[1], "argon2 SALT " + v[0] + " -e (reference CLI)", "tool -> Warden", "accepted (m=4096/65536, t=3/2, p=2), wrong refused");
        }
    }

    /** What {@code warden passwd --scheme SCHEME alice} prints, the password given on standard input. */
    private static String wardenPasswd(String scheme) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PasswdCommand(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)), null));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("--scheme", scheme, "alice")).as(err.toString()).isZero();
        String line = out.toString().strip();
        assertThat(line).startsWith("alice:{" + scheme + "}");
        return line.substring("alice:".length());
    }

    @Test
    void wardenPasswdHashesAreVerifiedByDoveadm() throws Exception {
        assumeTool("doveadm", "doveadm", "-c", "/dev/null", "pw", "-l");
        for (String scheme : List.of("SHA512-CRYPT", "SHA256-CRYPT", "BLF-CRYPT", "ARGON2ID", "ARGON2I")) {
            String field = wardenPasswd(scheme);
            Run good = run(null, "doveadm", "-c", "/dev/null", "pw", "-t", field, "-p", PASSWORD);
            assertThat(good.exit()).as(good.out()).isZero();
            assertThat(good.out()).endsWith("(verified)");
            Run bad = run(null, "doveadm", "-c", "/dev/null", "pw", "-t", field, "-p", WRONG);
            assertThat(bad.exit()).as(bad.out()).isNotZero();
            record(scheme, "doveadm pw (Dovecot 2.3)", "Warden -> tool", "doveadm pw -t verified, wrong refused");
        }
    }

    @Test
    void wardenPasswdCryptHashesAreVerifiedByLibxcrypt() throws Exception {
        Run probe = run(null, "python3", "-W", "ignore", "-c", "import crypt");
        assumeTrue(probe.exit() == 0, "python3 with the crypt module (Python <= 3.12) is not installed: " + probe.out());
        String check = "import crypt,sys; h=sys.argv[1]; print('ok' if crypt.crypt(sys.argv[2], h) == h else 'no')";
        for (String[] s : List.of(new String[] {"SHA512-CRYPT", "mkpasswd -m sha-512"}, new String[] {"SHA256-CRYPT", "mkpasswd -m sha-256"},
                new String[] {"BLF-CRYPT", "mkpasswd -m bcrypt"})) {
            String hash = wardenPasswd(s[0]).substring(s[0].length() + 2);
            assertThat(run(null, "python3", "-W", "ignore", "-c", check, hash, PASSWORD).out()).isEqualTo("ok");
            assertThat(run(null, "python3", "-W", "ignore", "-c", check, hash, WRONG).out()).isEqualTo("no");
            record(s[0], "crypt(3) (libxcrypt, as " + s[1] + " uses, via Python crypt)", "Warden -> tool", "verified, wrong refused");
        }
    }

    @AfterAll
    static void writeTable() throws IOException {
        StringBuilder b = new StringBuilder("| Scheme | Tool | Verified |\n|---|---|---|\n");
        synchronized (TABLE) {
            TABLE.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        }
        System.out.println("Password hash interop (password with spaces and non-ASCII letters):\n" + b);
        Path target = Path.of("target");
        if (Files.isDirectory(target)) Files.writeString(target.resolve("hash-interop.md"), b.toString());
    }
}
