package warden.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.durable.StagedFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
                buf("Received: x\r\n"), buf("Subject: hi\r\n\r\nbody\r\n"));
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
        assertThat(q.recipients()).containsExactly("bob@example.net", "carol@example.net");
        assertThat(new String(q.message(), StandardCharsets.UTF_8)).isEqualTo("Received: x\r\nSubject: hi\r\n\r\nbody\r\n");
        assertThat(dir.resolve("spool/tmp")).isEmptyDirectory();
    }

    @Test
    void aTruncatedFileIsCorrupt() throws IOException {
        Spool s = spool();
        StagedFile f = s.stage("q1", "a@b.example", List.of("c@d.example"), buf("Subject: x\r\n\r\nlong body\r\n"));
        f.commit();
        Path file = s.incoming().resolve("q1");
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> Spool.read(file)).isInstanceOf(IOException.class).hasMessageContaining("corrupt");
    }

    @Test
    void queueIdsMustBeSafeAndUnused() throws IOException {
        Spool s = spool();
        assertThatThrownBy(() -> s.stage("../x", "", List.of("a@b.example"), buf("x"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.stage("ok", "", List.of(), buf("x"))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> s.stage("ok", "a\r\nrecipient <evil@x>", List.of("a@b.example"), buf("x")))
                .isInstanceOf(IOException.class);
        s.stage("taken", "", List.of("a@b.example"), buf("x")).commit();
        assertThatThrownBy(() -> s.stage("taken", "", List.of("a@b.example"), buf("y"))).isInstanceOf(IOException.class);
    }

    static ByteBuffer buf(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }
}
