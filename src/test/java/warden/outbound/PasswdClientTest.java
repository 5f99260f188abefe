package warden.outbound;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;
import warden.recipient.Problem;
import warden.testing.TestClock;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Debian exim4's passwd.client, read as its nwildlsearch authenticators read it, from real files. */
class PasswdClientTest {

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock();

    private PasswdClient file(String text) throws Exception {
        Path f = dir.resolve("passwd.client");
        Files.writeString(f, text);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        return new PasswdClient(f, clock, Duration.ofSeconds(1));
    }

    @Test
    void theSeedsSmarthostFileGivesLoginAndPasswordForItsHost() throws Exception {
        PasswdClient p = file("""
                # password file used when the local exim is authenticating to a remote
                # host as a client.
                #
                # see exim4_passwd_client(5) for more documentation
                #
                # Example:
                ### target.mail.server.example:login:password
                mail.solnet.ch:patrick:s3cret
                """);
        assertThat(p.lookup("mail.solnet.ch")).contains(new Credentials("patrick", "s3cret"));
        assertThat(p.lookup("MAIL.Solnet.CH.")).contains(new Credentials("patrick", "s3cret"));
        assertThat(p.lookup("[mail.solnet.ch]")).contains(new Credentials("patrick", "s3cret"));
        assertThat(p.lookup("other.solnet.ch")).isEmpty();
        assertThat(p.problems()).isEmpty();
    }

    @Test
    void thePasswordIsEverythingAfterTheLoginColonsIncludedAsDebiansAuthenticatorsTakeIt() throws Exception {
        PasswdClient p = file("smtp.example.net:user@example.net:pa:ss:word  \nspaced.example.net: bob:x y\n");
        assertThat(p.lookup("smtp.example.net")).contains(new Credentials("user@example.net", "pa:ss:word"));
        assertThat(p.lookup("spaced.example.net")).contains(new Credentials("bob", "x y"));
    }

    @Test
    void wildcardsAndRegularExpressionsMatchAndTheFirstMatchingLineWins() throws Exception {
        PasswdClient p = file("""
                smtp.gmail.com:exact:1
                *.google.com:suffix:2
                ^smtp[0-9]+\\.provider\\.example$:regex:3
                "::1":literal:4
                *:any:5
                """);
        assertThat(p.lookup("smtp.gmail.com")).map(Credentials::login).contains("exact");
        assertThat(p.lookup("gmail-smtp.l.Google.com")).map(Credentials::login).contains("suffix");
        assertThat(p.lookup("google.com")).map(Credentials::login).contains("any");
        assertThat(p.lookup("smtp42.provider.example")).map(Credentials::login).contains("regex");
        assertThat(p.lookup("smtpx.provider.example")).map(Credentials::login).contains("any");
        assertThat(p.lookup("::1")).map(Credentials::login).contains("literal");
        assertThat(p.lookup("[::1]")).map(Credentials::login).contains("literal");
        assertThat(p.lookup("anything.example")).map(Credentials::password).contains("5");
    }

    @Test
    void badLinesAreProblemsWithFileLineAndFixAndNeverShowAPassword() throws Exception {
        PasswdClient p = file("""
                good.example:login:topsecret1
                nopassword.example:loginonly
                emptylogin.example::topsecret2
                emptypassword.example:login:
                  indented.example:login:topsecret3
                "unclosed.example:login:topsecret4
                ^([a-z:login:topsecret5
                Good.Example:other:topsecret6
                """);
        List<Problem> problems = p.problems();
        assertThat(problems).extracting(Problem::line).containsExactly(2, 3, 4, 5, 6, 7, 8);
        assertThat(problems).allSatisfy(pr -> {
            assertThat(pr.file()).isEqualTo(dir.resolve("passwd.client").toString());
            assertThat(pr.fix()).isNotEmpty();
            assertThat(pr.toString()).doesNotContain("topsecret");
        });
        assertThat(problems.get(0).message()).contains("'nopassword.example' has no password");
        assertThat(problems.get(1).message()).contains("empty login");
        assertThat(problems.get(2).message()).contains("empty password");
        assertThat(problems.get(3).message()).contains("starts with white space");
        assertThat(problems.get(4).message()).contains("no closing \"");
        assertThat(problems.get(5).message()).contains("not a valid regular expression");
        assertThat(problems.get(6).message()).contains("already on line 1");
        // the bad lines are skipped, the good one is used
        assertThat(p.lookup("good.example")).contains(new Credentials("login", "topsecret1"));
        assertThat(p.lookup("nopassword.example")).isEmpty();
    }

    @Test
    void credentialsNeverPrintTheirPassword() {
        assertThat(new Credentials("bob", "hunter2")).hasToString("Credentials[bob, ****]");
        List<Problem> problems = new ArrayList<>();
        assertThat(PasswdClient.parse("f", List.of("h.example:bob:hunter2"), problems)).singleElement()
                .asString().doesNotContain("hunter2");
    }

    @Test
    void aChangedFileIsReadAgainAfterTheRecheckInterval() throws Exception {
        PasswdClient p = file("relay.example:old:1\n");
        assertThat(p.lookup("relay.example")).map(Credentials::login).contains("old");
        Path f = dir.resolve("passwd.client");
        Files.writeString(f, "relay.example:new:22\n");
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.from(Files.getLastModifiedTime(f).toInstant().plusSeconds(5)));
        assertThat(p.lookup("relay.example")).map(Credentials::login).contains("old");
        clock.advance(Duration.ofSeconds(2));
        assertThat(p.lookup("relay.example")).map(Credentials::login).contains("new");
        Files.delete(f);
        clock.advance(Duration.ofSeconds(2));
        assertThat(p.lookup("relay.example")).isEmpty();
        assertThat(p.problems()).singleElement().satisfies(pr -> assertThat(pr.message()).contains("does not exist"));
    }

    @Test
    void aFileEveryoneMayReadIsWarnedAbout() throws Exception {
        PasswdClient p = file("relay.example:bob:pw\n");
        assertThat(p.modeWarning()).isEmpty();
        Files.setPosixFilePermissions(dir.resolve("passwd.client"), PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(p.modeWarning()).hasValueSatisfying(w -> assertThat(w).contains("every user of this host may read it")
                .contains("rw-r--r--").contains("chmod 640"));
    }

    @Test
    void configCheckReportsBadLinesAndWarnsAboutTheMode() throws Exception {
        Path creds = dir.resolve("passwd.client");
        Files.writeString(creds, "# smarthost\nmail.provider.example:bob\n");
        Files.setPosixFilePermissions(creds, PosixFilePermissions.fromString("rw-r--r--"));
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: mx.example.org\ndata_dir: " + dir.resolve("var")
                + "\nsmarthost: \"[mail.provider.example]:587\"\nsmarthost_credentials: " + creds + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("config", "check", yaml.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(creds + ":2: the entry for 'mail.provider.example' has no password");

        Files.writeString(creds, "# smarthost\nmail.provider.example:bob:hunter2\n");
        assertThat(cl.execute("config", "check", yaml.toString())).isZero();
        assertThat(out.toString()).contains("OK").contains("warning: smarthost_credentials: " + creds)
                .doesNotContain("hunter2");
        assertThat(PasswdClient.from(warden.config.ConfigLoader.load(yaml), clock).lookup("mail.provider.example"))
                .contains(new Credentials("bob", "hunter2"));
    }

    @Test
    void withoutAFileThereAreNoCredentials() {
        var c = warden.config.ConfigLoader.parse("hostname: mx.example.org\n", "w.yaml");
        assertThat(PasswdClient.from(c, clock)).isSameAs(CredentialSource.NONE);
        assertThat(CredentialSource.NONE.lookup("x")).isEqualTo(Optional.empty());
    }
}
