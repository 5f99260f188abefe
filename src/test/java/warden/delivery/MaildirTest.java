package warden.delivery;

import warden.durable.StagedFile;
import warden.message.ReceivedMessage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MaildirTest {

    @TempDir
    Path dir;

    final Clock clock = Clock.fixed(Instant.parse("2026-11-24T12:20:30.123456Z"), ZoneOffset.UTC);

    @Test
    void aMessageLandsInNewUnderAUniqueNameCarryingItsSize() throws IOException {
        Maildir box = new Maildir(dir.resolve("bob/Maildir"), "mx.warden.test", clock);
        Path first = box.deliver(buf("Subject: one\n\nbody\n"));
        Path second = box.deliver(buf("Subject: two\n\nbody\n"));

        assertThat(first.getParent()).isEqualTo(dir.resolve("bob/Maildir/new"));
        assertThat(first.getFileName().toString())
                .matches("1795522830\\.M123456P" + ProcessHandle.current().pid() + "R[0-9a-f]{16}Q\\d+\\.mx\\.warden\\.test,S=19");
        assertThat(Files.size(first)).isEqualTo(19);
        assertThat(second).isNotEqualTo(first);
        assertThat(Files.readString(second)).isEqualTo("Subject: two\n\nbody\n");
        assertThat(list(dir.resolve("bob/Maildir/tmp"))).isEmpty();
        assertThat(dir.resolve("bob/Maildir/cur")).isDirectory();
    }

    @Test
    void junkIsAMaildirPlusPlusFolderCreatedOnDemand() throws IOException {
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", clock);
        Path p = box.folder("Junk").deliver(buf("spam\n"));
        assertThat(p.getParent()).isEqualTo(dir.resolve("Maildir/.Junk/new"));
        assertThat(dir.resolve("Maildir/.Junk/maildirfolder")).isRegularFile();
        assertThat(dir.resolve("Maildir/.Junk/cur")).isDirectory();
        assertThat(dir.resolve("Maildir/new")).isDirectory();
        assertThat(box.folder("")).isSameAs(box);
        assertThat(box.folder("Lists.warden").root()).isEqualTo(dir.resolve("Maildir/.Lists.warden"));
    }

    @Test
    void folderNamesCannotLeaveTheMaildir() {
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", clock);
        for (String bad : new String[] {"../x", ".Junk", "a/b", "..", "Junk.", "a..b"}) {
            assertThatThrownBy(() -> box.folder(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aMaildirRemovedWhileRunningIsMadeAgain() throws IOException {
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", clock);
        box.deliver(buf("one\n"));
        try (Stream<Path> s = Files.walk(dir.resolve("Maildir"))) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThat(Files.readString(box.deliver(buf("two\n")))).isEqualTo("two\n");
    }

    @Test
    void onlyCrlfPairsBecomeLf() {
        byte[] crlf = "a\r\nb\rc\nd\r\r\n\r".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(new String(ReceivedMessage.toLf(crlf, crlf.length), StandardCharsets.ISO_8859_1)).isEqualTo("a\nb\rc\nd\r\n\r");
        assertThat(ReceivedMessage.toLf(new byte[0], 0)).isEmpty();
    }

    @Test
    void aStagedMessageHasOnlyItsCrlfPairsTurnedIntoLf() throws IOException {
        Maildir box = new Maildir(dir.resolve("Maildir"), "mx", clock);
        for (String[] c : new String[][] {{"a\r\nb\rc\nd\r\r\n\r", "a\nb\rc\nd\r\n\r"}, {"", ""}}) {
            StagedFile f = box.stage(buf("Head: x\n"),
                    ReceivedMessage.of(c[0].getBytes(StandardCharsets.ISO_8859_1)));
            f.commit();
            assertThat(Files.readString(f.path(), StandardCharsets.ISO_8859_1)).isEqualTo("Head: x\n" + c[1]);
            assertThat(f.path().getFileName().toString()).endsWith(",S=" + ("Head: x\n" + c[1]).length());
        }
    }

    @Test
    void theHostNameIsEscapedInFileNames() throws IOException {
        Path p = new Maildir(dir.resolve("M"), "odd/host:name", clock).deliver(buf("x"));
        assertThat(p.getFileName().toString()).contains(".odd\\057host\\072name,S=1");
    }

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    static java.util.List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
