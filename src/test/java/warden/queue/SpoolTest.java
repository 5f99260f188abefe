package warden.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpoolTest {

    @TempDir
    Path dir;

    private Spool spool() { return new Spool(dir.resolve("spool"), Clock.fixed(Instant.parse("2026-11-24T12:20:30Z"), ZoneOffset.UTC)); }

    @Test
    void aSpoolFileHasTheDocumentedFormatAndReadsBack() throws IOException {
        Spool s = spool();
        StagedFile f = s.stage("1a2b3c-000001", "", List.of("bob@example.net", "carol@example.net"),
                buf("Received: x\r\n"), message("Subject: hi\r\n\r\nbody\r\n"));
        assertThat(s.incoming().resolve("1a2b3c-000001")).doesNotExist();
        f.commit();
        f.targetSync().sync();

        Path file = s.incoming().resolve("1a2b3c-000001");
        assertThat(Files.readString(file)).isEqualTo("""
                warden-spool 1
                id 1a2b3c-000001
                arrival 2026-11-24T12:20:30Z
                sender <>
                recipient <bob@example.net>
                recipient <carol@example.net>
                size 34

                Received: x\r
                Subject: hi\r
                \r
                body\r
                """);
        QueuedMessage q = Spool.read(file);
        assertThat(q.reversePath()).isEmpty();
        assertThat(q.addresses()).containsExactly("bob@example.net", "carol@example.net");
        assertThat(content(q)).isEqualTo("Received: x\r\nSubject: hi\r\n\r\nbody\r\n");
        assertThat(q.content().size()).isEqualTo(34);
        assertThat(q.content().lfSize()).isEqualTo(30);
        assertThat(new String(q.content().header().bytes(), StandardCharsets.UTF_8)).isEqualTo("Received: x\r\nSubject: hi\r\n");
        assertThat(dir.resolve("spool/tmp")).isEmptyDirectory();
    }

    @Test
    void aQueuedMessageIsAViewOfTheSpoolFileThatDiscardLeavesAlone() throws IOException {
        Spool s = spool();
        s.stage("q2", "a@b.example", List.of("c@d.example"), buf("Received: y\r\n"), message("Subject: x\r\n\r\nz\r\n")).commit();
        Path file = s.incoming().resolve("q2");
        QueuedMessage q = Spool.read(file);
        assertThat(q.content().file()).contains(file);
        // The wire form streamed on (as a queue runner sends it): exactly the message, nothing of the envelope.
        Path out = dir.resolve("sent");
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            q.content().writeTo(ch, buf("prefix\r\n"));
        }
        assertThat(Files.readString(out)).isEqualTo("prefix\r\nReceived: y\r\nSubject: x\r\n\r\nz\r\n");
        q.content().discard();
        q.content().close();
        assertThat(file).exists();
        assertThat(Spool.read(file).id()).isEqualTo("q2");
    }

    @Test
    void aMessageFromADataFileIsCopiedAndReadBackWithoutLoadingIt() throws IOException {
        StringBuilder b = new StringBuilder("Subject: big\r\n\r\n");
        for (int i = 0; b.length() < 200_000; i++) b.append("line ").append(i).append("\r\n");
        MessageWriter w = new DataFiles(dir.resolve("receiving"), 0).writer(1_000_000);
        for (byte c : b.toString().getBytes(StandardCharsets.US_ASCII)) w.add(c);
        try (ReceivedMessage received = w.finish()) {
            assertThat(received.file()).isPresent();
            Spool s = spool();
            s.stage("q3", "a@b.example", List.of("c@d.example"), buf("Received: z\r\n"), received).commit();
        }
        QueuedMessage q = Spool.read(spool().incoming().resolve("q3"));
        assertThat(content(q)).isEqualTo("Received: z\r\n" + b);
        assertThat(q.content().lfSize()).isEqualTo(("Received: z\r\n" + b).replace("\r\n", "\n").length());
    }

    @Test
    void aSpoolFileLargerThanAnyArrayReadsBackAsAView() throws IOException {
        // 3 GB of message (a sparse file, no disk used): reading it into a byte[] cannot work,
        // reading the envelope and streaming the rest must.
        long size = 3L * 1024 * 1024 * 1024;
        Path file = dir.resolve("huge");
        byte[] envelope = ("warden-spool 1\nid huge\narrival 2026-11-24T12:20:30Z\nsender <a@b.example>\n"
                + "recipient <c@d.example>\nsize " + size + "\n\n").getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(envelope);
            raf.write("Subject: huge\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            raf.setLength(envelope.length + size);
        }
        QueuedMessage q = Spool.read(file);
        assertThat(q.content().size()).isEqualTo(size);
        assertThat(new String(q.content().header().bytes(), StandardCharsets.US_ASCII)).isEqualTo("Subject: huge\r\n");
        try (InputStream in = q.content().open()) {
            assertThat(new String(in.readNBytes(17), StandardCharsets.US_ASCII)).isEqualTo("Subject: huge\r\n\r\n");
        }
    }

    @Test
    void aTruncatedFileIsCorrupt() throws IOException {
        Spool s = spool();
        StagedFile f = s.stage("q1", "a@b.example", List.of("c@d.example"), buf("Received: x\r\n"),
                message("Subject: x\r\n\r\nlong body\r\n"));
        f.commit();
        Path file = s.incoming().resolve("q1");
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> Spool.read(file)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        Files.write(file, java.util.Arrays.copyOf(all, all.length + 1));
        assertThatThrownBy(() -> Spool.read(file)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
        Files.writeString(file, "warden-spool 1\nid q1\n");
        assertThatThrownBy(() -> Spool.read(file)).isInstanceOf(IOException.class).hasMessageContaining("no blank line");
    }

    @Test
    void queueIdsMustBeSafeAndUnused() throws IOException {
        Spool s = spool();
        assertThatThrownBy(() -> s.stage("../x", "", List.of("a@b.example"), buf(""), message("x"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.stage("ok", "", List.of(), buf(""), message("x"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.stage("ok", "a\r\nrecipient <evil@x>", List.of("a@b.example"), buf(""), message("x")))
                .isInstanceOf(IOException.class);
        s.stage("taken", "", List.of("a@b.example"), buf(""), message("x")).commit();
        assertThatThrownBy(() -> s.stage("taken", "", List.of("a@b.example"), buf(""), message("y"))).isInstanceOf(IOException.class);
    }

    private static String content(QueuedMessage q) throws IOException {
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
