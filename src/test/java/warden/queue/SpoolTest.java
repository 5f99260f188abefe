package warden.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.Ret;
import warden.durable.StagedFile;
import warden.message.DataFiles;
import warden.message.MessageWriter;
import warden.message.ReceivedMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpoolTest {

    static final Instant NOW = Instant.parse("2026-11-24T12:20:30Z");

    @TempDir
    Path dir;

    private Spool spool() { return new Spool(dir.resolve("spool"), Clock.fixed(NOW, ZoneOffset.UTC)); }

    static List<Recipient> rcpts(String... addresses) {
        return java.util.Arrays.stream(addresses).map(Recipient::new).toList();
    }

    @Test
    void aSpoolFileHasTheDocumentedFormatWithItsDsnParametersAndReadsBack() throws IOException {
        Spool s = spool();
        MessageDsn dsn = new MessageDsn(Optional.of(Ret.HDRS), Optional.of("QQ 314+x"));
        List<Recipient> to = List.of(
                new Recipient("bob@example.net", new RecipientDsn(Set.of(Notify.DELAY, Notify.FAILURE), Optional.of("rfc822;Bob <b>@example.net"))),
                new Recipient("\"odd> name\"@example.net"));
        StagedFile f = s.stage("1a2b3c-000001", "", dsn, to, buf("Received: x\r\n"), message("Subject: hi\r\n\r\nbody\r\n"));
        assertThat(s.queue().resolve("1a2b3c-000001")).doesNotExist();
        f.commit();
        f.targetSync().sync();

        Path file = s.queue().resolve("1a2b3c-000001");
        assertThat(Files.readString(file)).isEqualTo("""
                warden-spool 2
                id 1a2b3c-000001
                arrival 2026-11-24T12:20:30Z
                sender <>
                ret HDRS
                envid QQ+20314+2Bx
                recipient <bob@example.net> notify=FAILURE,DELAY orcpt=rfc822;Bob+20+3Cb+3E@example.net
                recipient <"odd> name"@example.net>
                size 34

                Received: x\r
                Subject: hi\r
                \r
                body\r
                """);
        QueuedMessage q = s.read("1a2b3c-000001");
        assertThat(q.reversePath()).isEmpty();
        assertThat(q.dsn()).isEqualTo(dsn);
        assertThat(q.recipients()).extracting(QueuedRecipient::address, QueuedRecipient::dsn)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("bob@example.net", to.get(0).dsn()),
                        org.assertj.core.groups.Tuple.tuple("\"odd> name\"@example.net", RecipientDsn.NONE));
        assertThat(q.recipients()).allSatisfy(r -> assertThat(r.state()).isInstanceOf(RecipientState.Pending.class));
        assertThat(content(q)).isEqualTo("Received: x\r\nSubject: hi\r\n\r\nbody\r\n");
        assertThat(q.content().size()).isEqualTo(34);
        assertThat(q.content().lfSize()).isEqualTo(30);
        assertThat(dir.resolve("spool/tmp")).isEmptyDirectory();
    }

    @Test
    void aQueuedMessageIsAViewOfTheSpoolFileThatDiscardLeavesAlone() throws IOException {
        Spool s = spool();
        s.stage("q2", "a@b.example", MessageDsn.NONE, rcpts("c@d.example"), buf("Received: y\r\n"),
                message("Subject: x\r\n\r\nz\r\n")).commit();
        Path file = s.queue().resolve("q2");
        QueuedMessage q = s.read("q2");
        assertThat(q.content().file()).contains(file);
        Path out = dir.resolve("sent");
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            q.content().writeTo(ch, buf("prefix\r\n"));
        }
        assertThat(Files.readString(out)).isEqualTo("prefix\r\nReceived: y\r\nSubject: x\r\n\r\nz\r\n");
        q.content().discard();
        assertThat(file).exists();
    }

    @Test
    void aMessageFromADataFileIsCopiedAndReadBackWithoutLoadingIt() throws IOException {
        StringBuilder b = new StringBuilder("Subject: big\r\n\r\n");
        for (int i = 0; b.length() < 200_000; i++) b.append("line ").append(i).append("\r\n");
        MessageWriter w = new DataFiles(dir.resolve("receiving"), 0).writer(1_000_000);
        for (byte c : b.toString().getBytes(StandardCharsets.US_ASCII)) w.add(c);
        Spool s = spool();
        try (ReceivedMessage received = w.finish()) {
            assertThat(received.file()).isPresent();
            s.stage("q3", "a@b.example", MessageDsn.NONE, rcpts("c@d.example"), buf("Received: z\r\n"), received).commit();
        }
        assertThat(content(s.read("q3"))).isEqualTo("Received: z\r\n" + b);
    }

    @Test
    void aSpoolFileLargerThanAnyArrayReadsBackAsAView() throws IOException {
        // 3 GB of message (a sparse file, no disk used): only the envelope is read.
        long size = 3L * 1024 * 1024 * 1024;
        Spool s = spool();
        Files.createDirectories(s.queue());
        Path file = s.queue().resolve("huge");
        byte[] envelope = ("warden-spool 2\nid huge\narrival 2026-11-24T12:20:30Z\nsender <a@b.example>\n"
                + "recipient <c@d.example>\nsize " + size + "\n\n").getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(envelope);
            raf.write("Subject: huge\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raf.setLength(envelope.length + size);
        }
        assertThat(s.envelope("huge").size()).isEqualTo(size);
        QueuedMessage q = s.read("huge");
        assertThat(q.content().size()).isEqualTo(size);
        try (InputStream in = q.content().open()) {
            assertThat(new String(in.readNBytes(17), StandardCharsets.US_ASCII)).isEqualTo("Subject: huge\r\n\r\n");
        }
    }

    @Test
    void aTruncatedFileIsCorrupt() throws IOException {
        Spool s = spool();
        s.stage("q1", "a@b.example", MessageDsn.NONE, rcpts("c@d.example"), buf("Received: x\r\n"),
                message("Subject: x\r\n\r\nlong body\r\n")).commit();
        Path file = s.queue().resolve("q1");
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> s.envelope("q1")).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        Files.write(file, java.util.Arrays.copyOf(all, all.length + 1));
        assertThatThrownBy(() -> s.envelope("q1")).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        Files.writeString(file, "warden-spool 2\nid q1\n");
        assertThatThrownBy(() -> s.envelope("q1")).isInstanceOf(IOException.class).hasMessageContaining("no blank line");
    }

    @Test
    void queueIdsMustBeSafeAndUnused() throws IOException {
        Spool s = spool();
        assertThatThrownBy(() -> s.stage("../x", "", MessageDsn.NONE, rcpts("a@b.example"), buf(""), message("x")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.stage("ok", "", MessageDsn.NONE, List.of(), buf(""), message("x"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.stage("ok", "a\r\nrecipient <evil@x>", MessageDsn.NONE, rcpts("a@b.example"), buf(""), message("x")))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.read("../../etc/passwd")).isInstanceOf(IOException.class);
        s.enqueue("taken", "", MessageDsn.NONE, rcpts("a@b.example"), message("x"));
        assertThatThrownBy(() -> s.enqueue("taken", "", MessageDsn.NONE, rcpts("a@b.example"), message("y")))
                .isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void enqueueGivesANewIdAndTheMessageIsQueuedOnReturn() throws IOException {
        Spool s = spool();
        String a = s.enqueue("", MessageDsn.NONE, List.of(new Recipient("alice@example.org",
                new RecipientDsn(Set.of(Notify.NEVER), Optional.empty()))), message("Subject: report\r\n\r\nx\r\n"));
        String b = s.enqueue("", MessageDsn.NONE, rcpts("alice@example.org"), message("y"));
        assertThat(a).isNotEqualTo(b);
        assertThat(Spool.isId(a)).isTrue();
        QueuedMessage q = s.read(a);
        assertThat(q.nullSender()).isTrue();
        assertThat(q.recipients().getFirst().dsn().notifications()).containsExactly(Notify.NEVER);
        assertThat(content(q)).isEqualTo("Subject: report\r\n\r\nx\r\n");
    }

    @Test
    void version1FilesAreMigratedWithTheirIdAndArrival() throws IOException {
        Path incoming = Files.createDirectories(dir.resolve("spool/incoming"));
        Files.writeString(incoming.resolve("old-1"), "warden-spool 1\nid old-1\narrival 2026-11-20T08:00:00Z\n"
                + "sender <a@b.example>\nrecipient <c@d.example>\nrecipient <e@f.example>\nsize 13\n\nSubject: v1\r\n");
        Files.writeString(incoming.resolve("old-2"), "warden-spool 1\nid old-2\narrival 2026-11-20T08:00:00Z\n"
                + "sender <>\nrecipient <c@d.example>\nsize 1\n\nx");
        Spool s = spool();
        // a crash after old-2 was migrated, before the old file was removed
        s.enqueue("old-2", "", MessageDsn.NONE, rcpts("c@d.example"), message("x"));
        assertThat(s.migrate()).isEqualTo(1);
        assertThat(incoming).isEmptyDirectory();
        QueuedMessage q = s.read("old-1");
        assertThat(q.arrival()).isEqualTo(Instant.parse("2026-11-20T08:00:00Z"));
        assertThat(q.addresses()).containsExactly("c@d.example", "e@f.example");
        assertThat(content(q)).isEqualTo("Subject: v1\r\n");
        assertThat(Files.readString(s.queue().resolve("old-1"))).startsWith("warden-spool 2\n");
        assertThat(s.read("old-2").addresses()).containsExactly("c@d.example");
        assertThat(s.migrate()).isZero();
    }

    @Test
    void removeTakesTheMessageThenItsJournalAndOrphanJournalsAreCleanedAtStart() throws IOException {
        Spool s = spool();
        s.enqueue("gone", "", MessageDsn.NONE, rcpts("a@b.example"), message("x"));
        s.append("gone", new JournalEvent.Retry(NOW));
        assertThat(s.journals().resolve("gone")).exists();
        assertThat(s.remove("gone")).isTrue();
        assertThat(s.queue().resolve("gone")).doesNotExist();
        assertThat(s.journals().resolve("gone")).doesNotExist();
        assertThat(s.remove("gone")).isFalse();
        // a journal line for a message removed meanwhile does not leave a journal behind
        assertThatThrownBy(() -> s.append("gone", new JournalEvent.Retry(NOW))).isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThat(s.journals().resolve("gone")).doesNotExist();
        Files.writeString(s.journals().resolve("orphan"), "retry 2026-11-24T12:20:30Z\n");
        assertThat(s.removeOrphanJournals()).isEqualTo(1);
        assertThat(s.journals().resolve("orphan")).doesNotExist();
    }

    @Test
    void signalsAreNotesTakenOnce() throws IOException {
        Spool s = spool();
        s.signal("abc");
        s.signal("abc");
        s.signal(Spool.ALL);
        assertThatThrownBy(() -> s.signal("../x")).isInstanceOf(IOException.class);
        assertThat(s.takeSignals()).containsExactlyInAnyOrder("abc", Spool.ALL);
        assertThat(s.takeSignals()).isEmpty();
    }

    static String content(QueuedMessage q) throws IOException {
        try (InputStream in = q.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static ReceivedMessage message(String s) {
        return ReceivedMessage.of(s.getBytes(StandardCharsets.UTF_8));
    }

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
