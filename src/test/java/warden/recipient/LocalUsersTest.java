package warden.recipient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients outside relay_networks cannot create mailboxes (issue 7 section 4): {@code user@localhost}
 * is accepted from them only when the Maildir exists, the {@code local_users} file names the user,
 * or a virtual-domain file names it as a target.
 */
class LocalUsersTest {

    @TempDir
    Path dir;
    SettableClock clock = new SettableClock(Instant.parse("2026-11-24T12:00:00Z"));

    @Test
    void theFileIsParsedWithCommentsAndItsProblemsNameTheLine() throws Exception {
        Path file = dir.resolve("local-users");
        Files.writeString(file, """
                # who lives here
                patrick
                Francesca   # the ASCII case does not matter

                bob@example.org
                two words
                ../etc
                patrick
                """);
        LocalUsers users = new LocalUsers(file, clock, Duration.ofSeconds(1));
        assertThat(users.contains("patrick")).isTrue();
        assertThat(users.contains("FRANCESCA")).isTrue();
        assertThat(users.contains("bob")).isFalse();
        assertThat(users.problems()).extracting(Problem::toString).containsExactly(
                file + ":5: `bob@example.org` is an address; write the mailbox name alone (fix: write one mailbox name per line, such as `patrick`)",
                file + ":6: `two words` has more than one word; write one name per line (fix: write one mailbox name per line, such as `patrick`)",
                file + ":7: `../etc` is not a mailbox name (ASCII letters and digits, then . _ + = -, at most 64) (fix: write one mailbox name per line, such as `patrick`)",
                file + ":8: `patrick` is already on line 2 (fix: remove this line)");
    }

    @Test
    void theFileIsReadAgainWhenItChanges() throws Exception {
        Path file = dir.resolve("local-users");
        Files.writeString(file, "patrick\n");
        LocalUsers users = new LocalUsers(file, clock, Duration.ofSeconds(1));
        assertThat(users.contains("carol")).isFalse();
        Files.writeString(file, "patrick\ncarol\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(users.contains("carol")).as("within the recheck interval").isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(users.contains("carol")).isTrue();
        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));
        assertThat(users.contains("patrick")).isFalse();
        assertThat(users.problems()).extracting(Problem::message).containsExactly("the local_users file does not exist");
    }

    @Test
    void outsidersReachOnlyMailboxesThatExist() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "sales: dora@localhost\n");
        Files.createDirectories(dir.resolve("mail/eve/Maildir"));
        Path file = dir.resolve("local-users");
        Files.writeString(file, "frank\n");
        DomainRouter router = new DomainRouter("mx.warden.test", new VirtualDomains(virtual, clock, Duration.ofSeconds(1)),
                Set.of("example.net"), new LocalMailboxes(dir.resolve("mail/{user}/Maildir").toString(),
                        Optional.of(new LocalUsers(file, clock, Duration.ofSeconds(1)))));
        assertThat(router.verify("eve@localhost", false)).as("the Maildir exists").isInstanceOf(RecipientVerdict.Accepted.class);
        assertThat(router.verify("Frank@example.net", false)).as("local_users").isInstanceOf(RecipientVerdict.Accepted.class);
        assertThat(router.verify("dora@mx.warden.test", false)).as("a virtual-domain target").isInstanceOf(RecipientVerdict.Accepted.class);
        assertThat(router.verify("postmaster@localhost", false)).isInstanceOf(RecipientVerdict.Accepted.class);
        RecipientVerdict stranger = router.verify("anything@localhost", false);
        assertThat(stranger).isInstanceOf(RecipientVerdict.Refused.class);
        assertThat(((RecipientVerdict.Refused) stranger).reply().toString()).isEqualTo("550 5.1.1 <anything@localhost>: unknown user");
        assertThat(router.verify("anything@localhost", true)).as("relay clients may still create mailboxes")
                .isEqualTo(new RecipientVerdict.Accepted(java.util.List.of(new Route.Mailbox("anything"))));
        assertThat(Files.exists(dir.resolve("mail/anything"))).isFalse();
    }
}
