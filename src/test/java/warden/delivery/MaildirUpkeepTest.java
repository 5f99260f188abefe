package warden.delivery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.durable.FileModes;
import warden.testing.TestClock;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What keeps a Maildir private, whole and collision-free: modes whatever the umask, a missing
 * {@code new/} made again, stale {@code tmp/} files removed (maildir(5)), names unique across
 * restarts.
 */
class MaildirUpkeepTest {

    @TempDir
    Path dir;

    final Clock clock = Clock.fixed(Instant.parse("2026-11-24T12:20:30.123456Z"), ZoneOffset.UTC);

    @Test
    void filesAre0600AndDirectories0700ByDefaultWhateverTheUmask() throws IOException {
        // The test JVM's umask is typically 022: without explicit modes this gave 0644 and 0755.
        Maildir box = new Maildir(dir.resolve("mail/bob/Maildir"), "mx", clock);
        Path p = box.deliver(buf("Subject: private\n\nx\n"));
        Path junk = box.folder("Junk").deliver(buf("spam\n"));

        assertThat(mode(p)).isEqualTo("rw-------");
        assertThat(mode(junk)).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("mail/bob/Maildir/.Junk/maildirfolder"))).isEqualTo("rw-------");
        for (String d : List.of("mail", "mail/bob", "mail/bob/Maildir", "mail/bob/Maildir/new", "mail/bob/Maildir/tmp",
                "mail/bob/Maildir/cur", "mail/bob/Maildir/.Junk", "mail/bob/Maildir/.Junk/new")) {
            assertThat(mode(dir.resolve(d))).as(d).isEqualTo("rwx------");
        }
    }

    @Test
    void aGroupModeTheUmaskWouldStripIsSetAnyway() throws IOException {
        // 0660/0770: the group-write bit is what a 022 or 027 umask removes; it must still be there.
        FileModes shared = new FileModes(FileModes.parseOctal("0660"), FileModes.parseOctal("0770"));
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", clock, shared);
        Path first = box.deliver(buf("one\n"));
        Path second = box.deliver(buf("two\n"));
        assertThat(mode(first)).isEqualTo("rw-rw----");
        assertThat(mode(second)).isEqualTo("rw-rw----");
        assertThat(mode(dir.resolve("Maildir/new"))).isEqualTo("rwxrwx---");
    }

    @Test
    void modesAreValidated() {
        assertThat(FileModes.octal(FileModes.parseOctal("640"))).isEqualTo("0640");
        assertThat(FileModes.octal(FileModes.parseOctal("0o750"))).isEqualTo("0750");
        for (String bad : List.of("rw", "0800", "06000", "", "0x180")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileModes.parseOctal(bad))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        for (String[] bad : new String[][] {{"0400", "0700"}, {"0666", "0700"}, {"0700", "0700"}, {"0600", "0500"},
                {"0600", "0777"}}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> new FileModes(FileModes.parseOctal(bad[0]), FileModes.parseOctal(bad[1])))
                    .as(String.join("/", bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aMissingNewIsMadeAgainOnTheNextDelivery() throws IOException {
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", clock);
        Files.delete(box.deliver(buf("one\n")));
        Files.delete(dir.resolve("Maildir/new"));
        // Before: tmp/ was there, so the write worked and the rename into new/ failed, every time (451 forever).
        Path p = box.deliver(buf("two\n"));
        assertThat(Files.readString(p)).isEqualTo("two\n");
        assertThat(p.getParent()).isEqualTo(dir.resolve("Maildir/new"));
    }

    @Test
    void healingMakesCurAgainAndRemovesOnlyTmpFilesOlderThan36Hours() throws IOException {
        TestClock moving = new TestClock(Instant.parse("2026-11-24T12:00:00Z"));
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", moving);
        box.deliver(buf("first\n"));
        Files.delete(dir.resolve("Maildir/cur"));
        Path stale = leftover("stale", Duration.ofHours(37));
        Path recent = leftover("recent", Duration.ofHours(35));

        // Within the hour: no second healing pass, whatever the number of deliveries.
        moving.advance(Duration.ofMinutes(59));
        box.deliver(buf("second\n"));
        assertThat(stale).exists();
        assertThat(dir.resolve("Maildir/cur")).doesNotExist();

        moving.advance(Duration.ofMinutes(2));
        box.deliver(buf("third\n"));
        assertThat(stale).doesNotExist();
        assertThat(recent).exists();
        assertThat(dir.resolve("Maildir/cur")).isDirectory();
        assertThat(list(dir.resolve("Maildir/new"))).hasSize(3);
    }

    @Test
    void theFirstDeliveryAfterStartRemovesStaleTmpFiles() throws IOException {
        Files.createDirectories(dir.resolve("Maildir/tmp"));
        Files.createDirectories(dir.resolve("Maildir/new"));
        Files.createDirectories(dir.resolve("Maildir/cur"));
        Path stale = leftover("1700000000.M1P1.crashed", Duration.ofDays(3));
        new Maildir(dir.resolve("Maildir"), "mx", clock).deliver(buf("x\n"));
        assertThat(stale).doesNotExist();
        assertThat(list(dir.resolve("Maildir/tmp"))).isEmpty();
    }

    @Test
    void namesDifferBetweenTwoRunsInTheSameMicrosecondWithTheSamePid() throws Exception {
        // Two "processes": the Maildir class loaded twice, same pid, same clock, same counter value.
        // Before: both runs named their first message <secs>.M<usec>P<pid>Q1.mx and the second
        // run's rename replaced the first run's message.
        Path a = deliverInFreshClassLoader(dir.resolve("A"));
        Path b = deliverInFreshClassLoader(dir.resolve("B"));
        assertThat(a.getFileName().toString()).startsWith("1795522830.M123456P");
        assertThat(a.getFileName()).isNotEqualTo(b.getFileName());
    }

    private Path deliverInFreshClassLoader(Path root) throws Exception {
        URL classes = Maildir.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> type = loader.loadClass(Maildir.class.getName());
            assertThat(type).isNotSameAs(Maildir.class);
            Object box = type.getConstructor(Path.class, String.class, Clock.class).newInstance(root, "mx", clock);
            return (Path) type.getMethod("deliver", ByteBuffer[].class).invoke(box, (Object) new ByteBuffer[] {buf("x\n")});
        }
    }

    private Path leftover(String name, Duration age) throws IOException {
        Path f = Files.writeString(dir.resolve("Maildir/tmp").resolve(name), "half a message");
        Files.setLastModifiedTime(f, FileTime.from(Instant.now().minus(age)));
        return f;
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
