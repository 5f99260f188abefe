package warden.message;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The data file: written as the message arrives, read back identical, and never left behind. */
class MessageWriterTest {

    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("receiving");
    }

    private long dataFiles() throws IOException {
        if (!Files.exists(data())) return 0;
        try (Stream<Path> s = Files.list(data())) {
            return s.count();
        }
    }

    private static ReceivedMessage write(MessageWriter w, byte[] content) throws IOException {
        for (byte b : content) assertThat(w.add(b)).isTrue();
        return w.finish();
    }

    /** Random CRLF text with lone CRs and LFs, CRLFs placed so some straddle the 64 KiB read chunks. */
    private static byte[] text(int size, long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) ('a' + r.nextInt(26));
        for (int i = 0; i + 1 < size; i += 1 + r.nextInt(120)) { b[i] = '\r'; b[i + 1] = '\n'; }
        for (int k = 1; k * 65536 < size; k++) { b[k * 65536 - 1] = '\r'; b[k * 65536] = '\n'; }
        b[size / 3] = '\r'; // lone CR
        b[size / 2] = '\n'; // lone LF
        return b;
    }

    private static byte[] toFile(ReceivedMessage m, boolean lf, Path file, String prefix) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.wrap(prefix.getBytes(StandardCharsets.US_ASCII));
            if (lf) m.writeLfTo(ch, head);
            else m.writeTo(ch, head);
        }
        return Files.readAllBytes(file);
    }

    @Test
    void aSmallMessageStaysInMemoryAndALargeOneGoesToItsFileAsItArrives() throws IOException {
        DataFiles files = new DataFiles(data());
        ReceivedMessage small = write(files.writer(1_000_000), "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(small.file()).isEmpty();
        assertThat(dataFiles()).isZero();

        MessageWriter w = files.writer(10_000_000);
        byte[] big = text(300_000, 1);
        for (int i = 0; i < 100_000; i++) w.add(big[i]);
        assertThat(w.file()).as("written before the end of DATA").isNotNull();
        assertThat(Files.size(w.file())).as("at most one buffer behind").isGreaterThan(100_000 - 65_536);
        for (int i = 100_000; i < big.length; i++) w.add(big[i]);
        ReceivedMessage m = w.finish();
        assertThat(m.file()).isPresent();
        assertThat(Files.readAllBytes(m.file().get())).isEqualTo(big);
        assertThat(m.size()).isEqualTo(big.length);
        m.discard();
        assertThat(dataFiles()).isZero();
    }

    @Test
    void theCopiesOfAFileMessageAreByteForByteThoseOfAnInMemoryOne() throws IOException {
        byte[] content = text(3 * 65536 + 17, 2);
        ReceivedMessage inFile = write(new DataFiles(data(), 0).writer(10_000_000), content);
        ReceivedMessage inMemory = ReceivedMessage.of(content);
        assertThat(inFile.file()).isPresent();

        byte[] lf = toFile(inFile, true, dir.resolve("lf-file"), "Head: x\n");
        assertThat(lf).isEqualTo(toFile(inMemory, true, dir.resolve("lf-memory"), "Head: x\n"));
        String expectedLf = "Head: x\n" + new String(content, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        assertThat(new String(lf, StandardCharsets.ISO_8859_1)).isEqualTo(expectedLf);
        assertThat(inFile.lfSize()).isEqualTo(expectedLf.length() - "Head: x\n".length());

        byte[] crlf = toFile(inFile, false, dir.resolve("crlf-file"), "Head: x\r\n");
        assertThat(crlf).isEqualTo(toFile(inMemory, false, dir.resolve("crlf-memory"), "Head: x\r\n"));
        try (InputStream in = inFile.open()) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        inFile.close();
        assertThat(dataFiles()).isZero();
    }

    @Test
    void aCrAtTheEndOfTheDataFileIsKept() throws IOException {
        byte[] content = new byte[65536];
        java.util.Arrays.fill(content, (byte) 'x');
        content[65535] = '\r';
        ReceivedMessage m = write(new DataFiles(data(), 0).writer(1_000_000), content);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(content);
        assertThat(toFile(m, true, dir.resolve("out"), "")).isEqualTo(expected.toByteArray());
        m.discard();
    }

    @Test
    void octetsBeyondTheLimitAreNotKept() throws IOException {
        MessageWriter w = new DataFiles(data(), 0).writer(10);
        for (int i = 0; i < 10; i++) assertThat(w.add((byte) 'x')).isTrue();
        assertThat(w.add((byte) 'y')).isFalse();
        assertThat(w.crlf()).isFalse();
        ReceivedMessage m = w.finish();
        assertThat(m.size()).isEqualTo(10);
        m.discard();
        assertThat(dataFiles()).isZero();
    }

    @Test
    void anAbandonedMessageLeavesNoFile() throws IOException {
        MessageWriter w = new DataFiles(data(), 0).writer(10_000_000);
        for (byte b : text(200_000, 3)) w.add(b);
        assertThat(dataFiles()).isEqualTo(1);
        w.abandon();
        w.abandon();
        assertThat(dataFiles()).isZero();
    }

    @Test
    void aFileThatCannotBeWrittenIsReportedAtTheEndAndLeavesNothing() throws IOException {
        Files.writeString(data(), "a file where the directory should be");
        MessageWriter w = new DataFiles(data(), 0).writer(10_000_000);
        byte[] content = text(200_000, 4);
        for (byte b : content) assertThat(w.add(b)).as("reading goes on to the end of DATA").isTrue();
        assertThat(w.size()).isEqualTo(content.length);
        assertThatThrownBy(w::finish).isInstanceOf(IOException.class);
        assertThat(Files.readString(data())).isEqualTo("a file where the directory should be");
    }

    @Test
    void leftoversOfACrashAreRemovedAtStart() throws IOException {
        DataFiles files = new DataFiles(data(), 0);
        MessageWriter w = files.writer(10_000_000);
        for (byte b : text(100_000, 5)) w.add(b);
        Path other = data().resolve("not-ours");
        Files.writeString(other, "kept");
        assertThat(files.removeLeftovers()).isEqualTo(1);
        assertThat(dataFiles()).isEqualTo(1);
        assertThat(other).exists();
        assertThat(new DataFiles(dir.resolve("none")).removeLeftovers()).isZero();
    }
}
