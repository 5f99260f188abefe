package warden.auth;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import warden.recipient.Problem;
import warden.testing.TestClock;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Dovecot's passwd-file as Warden reads it: the format, bad lines with file:line, reloading, and the timing of refusals. */
class PasswdFileTest {

    private static final String ALICE = PasswordScheme.SHA512_CRYPT.hash("alice-pw".getBytes(StandardCharsets.UTF_8));
    private static final String BOB = PasswordScheme.BLF_CRYPT.hash("bob-pw".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(PasswdFile.class);

    @BeforeEach
    void listen() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(logged);
    }

    private List<String> log() {
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private PasswdFile file(String text) throws Exception {
        Path f = dir.resolve("passwd");
        Files.writeString(f, text);
        return new PasswdFile(f, clock, Duration.ofSeconds(1));
    }

    @Test
    void commentsBlankLinesAndDovecotsOtherFields() throws Exception {
        PasswdFile p = file("""
                # Warden and Dovecot share this file
                
                alice:{SHA512-CRYPT}%s
                bob:{BLF-CRYPT}%s:1001:1001:Bob Example:/home/bob:/bin/false:userdb_mail=maildir:~/Maildir quota_rule=*:storage=1G
                  \t
                carol:{PLAIN}carol-pw::::::
                dave:%s
                """.formatted(ALICE, BOB, ALICE));
        assertThat(p.problems()).isEmpty();
        assertThat(p.authenticate("alice", "alice-pw")).isEqualTo(new Authenticator.Result.Accepted("alice"));
        assertThat(p.authenticate("bob", "bob-pw")).isEqualTo(new Authenticator.Result.Accepted("bob"));
        assertThat(p.authenticate("carol", "carol-pw")).isEqualTo(new Authenticator.Result.Accepted("carol"));
        assertThat(p.authenticate("dave", "alice-pw")).as("no {SCHEME}: CRYPT, Dovecot's default").isEqualTo(new Authenticator.Result.Accepted("dave"));
        assertThat(p.authenticate("alice", "bob-pw")).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.authenticate("nobody", "alice-pw")).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.authenticate("", "")).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.warnings()).singleElement().satisfies(w -> {
            assertThat(w.toString()).startsWith(p.file() + ":6: `carol` has a {PLAIN} password").contains("warden passwd carol")
                    .doesNotContain("carol-pw");
        });
        assertThat(p.describe()).isEqualTo("passwd-file " + p.file());
    }

    @Test
    void loginsAreLoweredAsDovecotsDefaultAuthUsernameFormat() throws Exception {
        PasswdFile p = file("alice:{SHA512-CRYPT}" + ALICE + "\nBob:{BLF-CRYPT}" + BOB + "\n");
        assertThat(p.authenticate("ALICE", "alice-pw")).isEqualTo(new Authenticator.Result.Accepted("alice"));
        assertThat(p.authenticate("Bob", "bob-pw")).as("a name in upper case can never match, as in Dovecot")
                .isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.problems()).isEmpty();
        assertThat(p.warnings()).singleElement().satisfies(pr -> {
            assertThat(pr.line()).isEqualTo(2);
            assertThat(pr.message()).contains("`Bob` has upper-case letters").contains("%Lu");
            assertThat(pr.fix()).isEqualTo("write the name in lower case");
        });
    }

    @Test
    void badLinesNameFileAndLineAndFixButNeverTheHash() throws Exception {
        String secret = "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/";
        PasswdFile p = file("""
                alice:{SHA512-CRYPT}%s
                erin:{MD5-CRYPT}%s
                frank:{SHA512-CRYPT}$6$short$abc
                george
                :{PLAIN}x
                alice:{PLAIN}other
                henry:{SHA512-CRYPT
                """.formatted(ALICE, secret));
        assertThat(p.problems()).as("lines do not stop the file").isEmpty();
        List<Problem> problems = p.warnings();
        String f = p.file().toString();
        assertThat(problems).extracting(Problem::toString).containsExactly(
                f + ":2: `erin`: unknown password scheme {MD5-CRYPT}; erin cannot log in (fix: replace the password with the one"
                        + " `warden passwd erin` prints (SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID, ARGON2I, CRYPT or PLAIN))",
                f + ":3: `frank`: the hash is not a {SHA512-CRYPT} hash ($6$salt$hash); frank cannot log in (fix: replace the password"
                        + " with the one `warden passwd frank` prints (SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID, ARGON2I, CRYPT or PLAIN))",
                f + ":4: `george` has no password, so they cannot log in (fix: add the password field: the line `warden passwd george` prints)",
                f + ":5: the line has no user name before the first `:` (fix: write " + PasswdFile.FORMAT + ")",
                f + ":6: `alice` is already on line 1, which is used (fix: remove this line)",
                f + ":7: `henry`: the password scheme has no closing `}`; henry cannot log in (fix: replace the password with the one"
                        + " `warden passwd henry` prints (SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT, ARGON2ID, ARGON2I, CRYPT or PLAIN))");
        assertThat(String.join("\n", problems.stream().map(Problem::toString).toList()) + String.join("\n", log()))
                .doesNotContain("qjXMvbEw8oaL").doesNotContain("$6$short$abc").doesNotContain("other");
        assertThat(p.authenticate("erin", "anything")).isInstanceOf(Authenticator.Result.Rejected.class)
                .extracting(r -> ((Authenticator.Result.Rejected) r).why()).asString().contains(f + ":2");
        assertThat(p.authenticate("george", "")).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.authenticate("alice", "other")).as("the first alice line counts").isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.authenticate("alice", "alice-pw")).isEqualTo(new Authenticator.Result.Accepted("alice"));
    }

    @Test
    void problemsAreLoggedOncePerVersionOfTheFile() throws Exception {
        PasswdFile p = file("erin:{MD5-CRYPT}$1$x$y\nalice:{SHA512-CRYPT}" + ALICE + "\n");
        for (int i = 0; i < 5; i++) {
            p.authenticate("erin", "x");
            clock.advance(Duration.ofSeconds(2));
        }
        assertThat(log().stream().filter(l -> l.contains("unknown password scheme"))).hasSize(1);
        Files.writeString(p.file(), "erin:{MD5-CRYPT}$1$x$y\n\nalice:{SHA512-CRYPT}" + ALICE + "\n");
        clock.advance(Duration.ofSeconds(2));
        p.authenticate("erin", "x");
        assertThat(log().stream().filter(l -> l.contains("unknown password scheme"))).as("a new version is reported again").hasSize(2);
    }

    @Test
    void reReadWhenTheFileChanges() throws Exception {
        PasswdFile p = file("alice:{SHA512-CRYPT}" + ALICE + "\n");
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
        assertThat(p.authenticate("bob", "bob-pw")).isInstanceOf(Authenticator.Result.Rejected.class);

        // replaced by rename, as editors and scripts do
        Path next = dir.resolve("passwd.new");
        Files.writeString(next, "alice:{BLF-CRYPT}" + BOB + "\nbob:{BLF-CRYPT}" + BOB + "\n");
        Files.move(next, p.file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThat(p.authenticate("bob", "bob-pw")).as("within the recheck interval the old version serves")
                .isInstanceOf(Authenticator.Result.Rejected.class);
        clock.advance(Duration.ofSeconds(2));
        assertThat(p.authenticate("bob", "bob-pw")).isEqualTo(new Authenticator.Result.Accepted("bob"));
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.authenticate("alice", "bob-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
    }

    @Test
    void aFileThatGoesAwayKeepsTheLastGoodVersion() throws Exception {
        PasswdFile p = file("alice:{SHA512-CRYPT}" + ALICE + "\n");
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
        Files.delete(p.file());
        Files.createDirectory(p.file()); // unreadable as a file even for root
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofSeconds(2));
            assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
            assertThat(p.authenticate("alice", "wrong")).isInstanceOf(Authenticator.Result.Rejected.class);
        }
        assertThat(log().stream().filter(l -> l.contains("is not a regular file") && l.contains("keeping the version read before (1 users)"))).hasSize(1);
        assertThat(p.problems()).extracting(Problem::toString).containsExactly(
                p.file() + ": is not a regular file (fix: make it a readable file of " + PasswdFile.FORMAT + ")");
        Files.delete(p.file());
        clock.advance(Duration.ofSeconds(2));
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
        Files.writeString(p.file(), "bob:{BLF-CRYPT}" + BOB + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Rejected.class);
        assertThat(p.authenticate("bob", "bob-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
    }

    @Test
    void aFileNeverReadIsUnavailableNotRejected() throws Exception {
        PasswdFile p = new PasswdFile(dir.resolve("missing"), clock, Duration.ofSeconds(1));
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Unavailable.class)
                .extracting(r -> ((Authenticator.Result.Unavailable) r).why()).asString().contains("does not exist");
        assertThat(p.problems()).extracting(Problem::message).containsExactly("does not exist");
        Files.writeString(dir.resolve("missing"), "alice:{SHA512-CRYPT}" + ALICE + "\n");
        clock.advance(Duration.ofSeconds(2));
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Accepted.class);
    }

    @Test
    void nologinRefusesEvenTheRightPassword() throws Exception {
        PasswdFile p = file("alice:{SHA512-CRYPT}" + ALICE + "::::::nologin reason=left\n");
        assertThat(p.authenticate("alice", "alice-pw")).isInstanceOf(Authenticator.Result.Rejected.class);
    }

    /**
     * An unknown user costs a hash of the file's, so a client cannot tell names from the answer
     * time: the median for an unknown name is within a factor of the median for a wrong password
     * (bcrypt cost 10, tens of milliseconds, far above the noise of a lookup).
     */
    @Test
    void anUnknownUserTakesAboutAsLongAsAWrongPassword() throws Exception {
        PasswdFile p = file("bob:{BLF-CRYPT}" + BOB + "\nerin:{MD5-CRYPT}$1$x$y\n");
        p.authenticate("bob", "warm-up");
        long wrong = median(() -> p.authenticate("bob", "wrong"));
        long unknown = median(() -> p.authenticate("nobody", "wrong"));
        long unusable = median(() -> p.authenticate("erin", "wrong"));
        assertThat(unknown).as("unknown %d µs vs wrong %d µs", unknown / 1000, wrong / 1000).isGreaterThan(wrong / 3);
        assertThat(unusable).as("unusable %d µs vs wrong %d µs", unusable / 1000, wrong / 1000).isGreaterThan(wrong / 3);
    }

    private static long median(Runnable r) {
        long[] t = new long[7];
        for (int i = 0; i < t.length; i++) {
            long start = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - start;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    @Test
    void parseKeepsUnusableUsersSoTheirRefusalHasAReason() {
        List<Problem> problems = new ArrayList<>();
        Map<String, PasswdFile.Entry> users = PasswdFile.parse("f", List.of("a:{X}y", "b:{PLAIN}z"), problems);
        assertThat(users.get("a").usable()).isFalse();
        assertThat(users.get("b").usable()).isTrue();
        assertThat(problems).extracting(Problem::line).containsExactly(1);
    }
}
