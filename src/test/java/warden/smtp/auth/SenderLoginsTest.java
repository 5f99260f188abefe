package warden.smtp.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.recipient.Problem;
import warden.testing.TestClock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code auth.sender_login}: Postfix's {@code reject_sender_login_mismatch} over an {@code address: user, user} file. */
class SenderLoginsTest {

    @TempDir
    Path dir;
    TestClock clock = new TestClock();

    private SenderLogins logins(String text) throws Exception {
        Path file = dir.resolve("sender-login");
        Files.writeString(file, text);
        return new SenderLogins(file, clock, Duration.ofSeconds(1));
    }

    @Test
    void anAuthenticatedUserMayUseOnlyTheAddressesItOwns() throws Exception {
        SenderLogins s = logins("""
                # who sends as whom
                alice@example.org:   alice
                sales@example.org:   alice, Bob     # shared
                @example.net:        carol
                """);
        assertThat(s.mayUse(Optional.of("alice"), "alice@example.org")).isTrue();
        assertThat(s.mayUse(Optional.of("ALICE"), "Alice@Example.ORG")).as("ASCII case is ignored").isTrue();
        assertThat(s.mayUse(Optional.of("bob"), "sales@example.org")).isTrue();
        assertThat(s.mayUse(Optional.of("bob"), "alice@example.org")).isFalse();
        assertThat(s.mayUse(Optional.of("carol"), "anything@example.net")).as("@domain").isTrue();
        assertThat(s.mayUse(Optional.of("alice"), "anything@example.net")).isFalse();
        assertThat(s.mayUse(Optional.of("alice"), "alice@elsewhere.example")).as("an address nobody owns").isFalse();
        assertThat(s.owners("SALES@example.org")).contains(Set.of("alice", "bob"));
    }

    @Test
    void theNullSenderIsAllowedToEveryone() throws Exception {
        SenderLogins s = logins("alice@example.org: alice\n");
        assertThat(s.mayUse(Optional.of("alice"), "")).isTrue();
        assertThat(s.mayUse(Optional.empty(), "")).isTrue();
    }

    @Test
    void anUnauthenticatedClientMayNotUseAnOwnedAddress() throws Exception {
        SenderLogins s = logins("alice@example.org: alice\n@example.net: carol\n");
        assertThat(s.mayUse(Optional.empty(), "alice@example.org")).isFalse();
        assertThat(s.mayUse(Optional.empty(), "x@example.net")).isFalse();
        assertThat(s.mayUse(Optional.empty(), "someone@elsewhere.example")).isTrue();
    }

    @Test
    void theAddressLineWinsOverItsDomain() throws Exception {
        SenderLogins s = logins("@example.org: admin\nalice@example.org: alice\n");
        assertThat(s.mayUse(Optional.of("alice"), "alice@example.org")).isTrue();
        assertThat(s.mayUse(Optional.of("admin"), "alice@example.org")).isFalse();
        assertThat(s.mayUse(Optional.of("admin"), "bob@example.org")).isTrue();
    }

    @Test
    void badLinesNameFileLineAndFixAndAreSkipped() throws Exception {
        SenderLogins s = logins("""
                alice@example.org: alice
                bob@example.org
                <carol@example.org>: carol
                dave: dave
                @bad_domain!: x
                erin@example.org:
                alice@example.org: eve
                frank@example.org: frank
                """);
        Path file = dir.resolve("sender-login");
        String fix = "write `alice@example.org: alice, bob` or `@example.org: alice`";
        assertThat(s.problems()).extracting(Problem::toString).containsExactly(
                file + ":2: `bob@example.org` has no `:` between the address and its logins (fix: " + fix + ")",
                file + ":3: `<carol@example.org>` is in angle brackets; write the address alone (fix: " + fix + ")",
                file + ":4: `dave` is not an address (no `@`); write the whole address, or `@domain` for a domain (fix: " + fix + ")",
                file + ":5: `@bad_domain!` is not a domain after `@` (fix: " + fix + ")",
                file + ":6: `erin@example.org` names no login (fix: " + fix + ")",
                file + ":7: `alice@example.org` is already on line 1 (fix: put all its logins on line 1, separated by commas, and remove this line)");
        assertThat(s.mayUse(Optional.of("eve"), "alice@example.org")).isFalse();
        assertThat(s.mayUse(Optional.of("frank"), "frank@example.org")).as("good lines after bad ones").isTrue();
    }

    @Test
    void aMissingFileIsAProblemForConfigCheckAndOwnsNothing() {
        SenderLogins s = new SenderLogins(dir.resolve("nope"), clock, Duration.ofSeconds(1));
        assertThat(s.mayUse(Optional.empty(), "alice@example.org")).isTrue();
        assertThat(s.mayUse(Optional.of("alice"), "alice@example.org")).isFalse();
        assertThat(s.problems()).singleElement().extracting(Problem::line).isEqualTo(0);
    }

    @Test
    void theFileIsReadAgainWhenItChanges() throws Exception {
        SenderLogins s = logins("alice@example.org: alice\n");
        assertThat(s.mayUse(Optional.of("bob"), "bob@example.org")).isFalse();
        Path file = dir.resolve("sender-login");
        Files.writeString(file, "alice@example.org: alice\nbob@example.org: bob\n");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertThat(s.mayUse(Optional.of("bob"), "bob@example.org")).as("within the recheck interval").isFalse();
        clock.advance(Duration.ofSeconds(2));
        assertThat(s.mayUse(Optional.of("bob"), "bob@example.org")).isTrue();
    }

    @Test
    void configCheckNamesTheBadLines() throws Exception {
        Files.createDirectories(dir.resolve("virtual"));
        Path file = dir.resolve("sender-login");
        Files.writeString(file, "alice@example.org: alice\nbob\n");
        warden.config.WardenConfig c = warden.config.ConfigLoader.parse("hostname: mx.example.org\nvirtual_domains: "
                + dir.resolve("virtual") + "\nauth:\n  sender_login: " + file + "\n", "warden.yaml");
        assertThat(warden.cli.Components.validateFiles(c)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(file.toString());
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.fix()).contains("alice@example.org: alice, bob");
        });
    }
}
