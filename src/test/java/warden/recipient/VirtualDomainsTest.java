package warden.recipient;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.recipient.Route.Mailbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class VirtualDomainsTest {

    @TempDir
    Path dir;

    final SettableClock clock = new SettableClock(Instant.parse("2026-11-24T12:00:00Z"));

    @Test
    void filesAreReadAgainWhenTheyChangeAppearOrVanish() throws IOException {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Path file = virtual.resolve("example.com");
        Files.writeString(file, "alice: alice@localhost\n");
        DomainRouter router = new DomainRouter("mx.test", virtual, Set.of(), clock);

        assertThat(routes(router, "alice@example.com")).containsExactly(new Mailbox("alice"));
        assertThat(router.verify("bob@example.com", false)).isInstanceOf(RecipientVerdict.Refused.class);

        Files.writeString(file, "alice: alice@localhost\nbob: robert@localhost\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        // Within the recheck interval the last look at the directory is trusted.
        assertThat(router.verify("bob@example.com", false)).isInstanceOf(RecipientVerdict.Refused.class);
        clock.advance(Duration.ofSeconds(2));
        assertThat(routes(router, "bob@example.com")).containsExactly(new Mailbox("robert"));

        Files.writeString(virtual.resolve("example.net"), "*: carol@localhost\n");
        clock.advance(Duration.ofSeconds(2));
        assertThat(routes(router, "anyone@example.net")).containsExactly(new Mailbox("carol"));

        Files.delete(file);
        clock.advance(Duration.ofSeconds(2));
        assertThat(((RecipientVerdict.Refused) router.verify("alice@example.com", false)).reply().status())
                .isEqualTo("5.7.1");
        assertThat(router.ourDomains()).contains("example.net").doesNotContain("example.com");
    }

    @Test
    void sameSizeSameSecondRewriteIsSeenThroughTheModificationTime() throws IOException {
        Path file = dir.resolve("example.com");
        Files.writeString(file, "alice: alice@localhost\n");
        VirtualDomains domains = new VirtualDomains(dir, clock, Duration.ofSeconds(1));
        assertThat(domains.table("example.com").orElseThrow().lookup("alice").orElseThrow().targets())
                .containsExactly("alice@localhost");
        FileTime before = Files.getLastModifiedTime(file);
        Files.writeString(file, "alice: aliso@localhost\n");
        Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusMillis(1)));
        clock.advance(Duration.ofSeconds(1));
        assertThat(domains.table("example.com").orElseThrow().lookup("alice").orElseThrow().targets())
                .containsExactly("aliso@localhost");
    }

    @Test
    void hiddenFilesBackupsAndDirectoriesAreNotDomains() throws IOException {
        Files.writeString(dir.resolve(".example.com.swp"), "x");
        Files.writeString(dir.resolve("example.com~"), "a: b@localhost\n");
        Files.createDirectories(dir.resolve("sub.example"));
        Files.writeString(dir.resolve("real.example"), "a: b@localhost\n");
        assertThat(new VirtualDomains(dir, clock, Duration.ofSeconds(1)).domains()).containsExactly("real.example");
    }

    @Test
    void aDirectoryThatIsAFileIsAProblem() throws IOException {
        Path notDir = Files.writeString(dir.resolve("virtual"), "oops");
        List<Problem> problems = new VirtualDomains(notDir, clock, Duration.ofSeconds(1)).problems();
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.message()).isEqualTo("is not a directory");
            assertThat(p.fix()).isNotEmpty();
        });
    }

    @Test
    void badLinesAreReportedWithFileLineAndFixAndSkipped() throws IOException {
        Path file = dir.resolve("example.com");
        Files.writeString(file, """
                # comment
                alice: alice@localhost

                  continued@localhost
                bob@example.com: bob@localhost
                carol: |/usr/bin/procmail
                dave: /var/mail/dave
                erin: :fail: gone
                .frank: frank@localhost
                gina:
                alice: other@localhost
                hank: h%k@localhost
                ivan: ivan@
                "quoted": q@localhost
                jo  jo@localhost
                """);
        VirtualDomains domains = new VirtualDomains(dir, clock, Duration.ofSeconds(1));
        List<Problem> problems = domains.problems();
        assertThat(problems).extracting(Problem::line)
                .containsExactly(4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
        assertThat(problems).allSatisfy(p -> {
            assertThat(p.file()).isEqualTo(file.toString());
            assertThat(p.fix()).isNotBlank();
        });
        assertThat(problems.get(1).toString())
                .isEqualTo(file + ":5: the key `bob@example.com` is a whole address; keys are local parts"
                        + " (fix: write `bob:` (the domain is the file name))");
        assertThat(problems.get(2).message()).contains("pipe");
        assertThat(problems.get(7).message()).contains("already defined on line 2");

        AliasTable table = domains.table("example.com").orElseThrow();
        assertThat(table.entries().keySet()).containsExactly("alice", "jo");
        assertThat(table.lookup("ALICE").orElseThrow().targets()).containsExactly("alice@localhost");
        assertThat(table.lookup("carol")).isEmpty();
    }

    @Test
    void continuationLinesJoinTheEntryAbove() {
        AliasTable.Parsed p = AliasTable.parse("f", List.of("team: a@localhost,", "\tb@localhost", "  c@example.net",
                "# c", "*: catch@localhost"));
        assertThat(p.problems()).isEmpty();
        assertThat(p.table().lookup("team").orElseThrow().targets())
                .containsExactly("a@localhost", "b@localhost", "c@example.net");
        assertThat(p.table().lookup("other").orElseThrow().key()).isEqualTo("*");
    }

    private static List<Route> routes(DomainRouter router, String address) {
        return ((RecipientVerdict.Accepted) router.verify(address, false)).routes();
    }
}
