package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import warden.Warden;
import warden.auth.Authenticator;
import warden.auth.Authenticators;
import warden.auth.PasswdFile;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.testing.TestClock;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code warden passwd}, the factory that makes the configured backend, and what config check and doctor say about the file. */
class PasswdCommandTest {

    @TempDir
    Path dir;

    private record Ran(int exit, String out, String err) {}

    private static Ran passwd(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PasswdCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), null));
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Ran(cl.execute(args), out.toString(), err.toString());
    }

    @Test
    void printsALineThePasswdFileAccepts() throws Exception {
        Ran r = passwd("s3cret pass\r\nsecond line ignored\n", "alice");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("alice:\\{SHA512-CRYPT\\}\\$6\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}\\R");
        assertThat(r.out() + r.err()).doesNotContain("s3cret");
        Ran blf = passwd("s3cret pass", "--scheme", "blf-crypt", "bob");
        Ran argon = passwd("s3cret pass\n", "-s", "ARGON2ID", "carol");
        assertThat(blf.out()).startsWith("bob:{BLF-CRYPT}$2y$10$");
        assertThat(argon.out()).startsWith("carol:{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$");

        Path f = dir.resolve("passwd");
        Files.writeString(f, r.out() + blf.out() + argon.out());
        PasswdFile p = new PasswdFile(f, new TestClock(), java.time.Duration.ofSeconds(1));
        assertThat(p.problems()).isEmpty();
        assertThat(p.warnings()).isEmpty();
        for (String user : List.of("alice", "bob", "carol")) {
            assertThat(p.authenticate(user, "s3cret pass")).isEqualTo(new Authenticator.Result.Accepted(user));
            assertThat(p.authenticate(user, "s3cret pass\r")).isInstanceOf(Authenticator.Result.Rejected.class);
        }
    }

    @Test
    void refusesWhatCouldNotWork() {
        assertThat(passwd("pw\n", "--scheme", "MD5", "alice")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("unknown scheme 'MD5'").contains("SHA512-CRYPT");
        });
        assertThat(passwd("pw\n", "--scheme", "PLAIN", "alice").exit()).as("cleartext is never generated").isEqualTo(2);
        assertThat(passwd("\n", "alice")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("the password is empty");
            assertThat(r.out()).isEmpty();
        });
        assertThat(passwd("pw\n", "Alice").err()).contains("lower case");
        assertThat(passwd("pw\n", "a:b").err()).contains("':'");
    }

    @Test
    void registeredWithWarden() {
        assertThat(Warden.commandLine().getSubcommands()).containsKey("passwd");
        StringWriter out = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("passwd", "--help")).isZero();
        assertThat(out.toString()).contains("--scheme").contains("auth.passwd_file");
    }

    @Test
    void theFactoryMakesThePasswdFileBackend() throws Exception {
        Path f = dir.resolve("passwd");
        Files.writeString(f, passwd("pw\n", "alice").out());
        WardenConfig c = ConfigLoader.parse("auth:\n  passwd_file: " + f + "\n", "w.yaml");
        try (Authenticator a = Authenticators.from(c.auth(), new TestClock()).orElseThrow()) {
            assertThat(a.describe()).isEqualTo("passwd-file " + f);
            assertThat(a.authenticate("alice", "pw")).isEqualTo(new Authenticator.Result.Accepted("alice"));
        }
        assertThat(Authenticators.from(WardenConfig.Auth.NONE, new TestClock())).isEmpty();
    }

    private Ran configCheck(Path yaml) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Ran(cl.execute("config", "check", yaml.toString()), out.toString(), err.toString());
    }

    @Test
    void configCheckReadsThePasswdFile() throws Exception {
        Path f = dir.resolve("passwd");
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: mx.example.org\ndata_dir: " + dir.resolve("var") + "\nauth:\n  passwd_file: " + f + "\n");

        Ran missing = configCheck(yaml);
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains(yaml + ":3: auth: " + f + " does not exist").contains("warden passwd");

        String alice = passwd("pw\n", "alice").out();
        Files.writeString(f, alice + "erin:{MD5-CRYPT}$1$abcdefgh$zzzzzzzzzzzzzzzzzzzzzz\n");
        Ran bad = configCheck(yaml);
        assertThat(bad.exit()).as("the other users can log in: a warning").isZero();
        assertThat(bad.out()).contains("warning: auth.passwd_file: " + f + ":2: `erin`: unknown password scheme {MD5-CRYPT}; erin cannot log in")
                .doesNotContain("zzzz");
        Files.delete(f);
        Files.createDirectory(f);
        Ran directory = configCheck(yaml);
        assertThat(directory.exit()).isEqualTo(1);
        assertThat(directory.err()).contains(f + " is not a file");
        Files.delete(f);

        Files.writeString(f, alice + "carol:{PLAIN}carol-pw\n");
        Ran plain = configCheck(yaml);
        assertThat(plain.exit()).isZero();
        assertThat(plain.out()).contains("warning: auth.passwd_file: " + f + ":2: `carol` has a {PLAIN} password")
                .doesNotContain("carol-pw");

        WardenConfig c = ConfigLoader.load(yaml);
        assertThat(DoctorCommand.passwdFile(c)).singleElement().satisfies(i -> {
            assertThat(i.status()).isEqualTo("warn");
            assertThat(i.detail()).contains("`carol` has a {PLAIN} password");
        });
        Files.writeString(f, alice);
        assertThat(DoctorCommand.passwdFile(c)).singleElement().satisfies(i -> assertThat(i.status()).isEqualTo("ok"));
        assertThat(configCheck(yaml).out()).doesNotContain("warning");
    }
}
