package warden.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.dsn.MessageDsn;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class QueueAdminTest {

    static final Instant T = Instant.parse("2026-11-24T12:20:30Z");

    @TempDir
    Path dir;

    final List<String> log = new CopyOnWriteArrayList<>();

    Spool spool() {
        return new Spool(dir.resolve("spool"), Clock.fixed(T, ZoneOffset.UTC));
    }

    @Test
    void listShowsEveryMessageWithItsRecipientsStatesWithoutReadingBodies() throws IOException {
        Spool s = spool();
        s.enqueue("m1", "alice@example.org", MessageDsn.NONE, SpoolTest.rcpts("a@x.example", "b@y.example"),
                SpoolTest.message("Subject: one\r\n\r\nx\r\n"));
        s.append("m1", new JournalEvent.Deferred(T, 1, T.plusSeconds(300), Optional.of("mx.y.example"), "451 4.7.1 later"));
        // a 2 GB message (sparse): listed from its envelope alone
        Path huge = s.queue().resolve("m2");
        byte[] env = ("warden-spool 2\nid m2\narrival 2026-11-24T10:00:00Z\nsender <>\nrecipient <c@z.example>\nsize "
                + (2L << 30) + "\n\n").getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile raf = new RandomAccessFile(huge.toFile(), "rw")) {
            raf.write(env);
            raf.setLength(env.length + (2L << 30));
        }
        Files.writeString(s.queue().resolve("broken"), "not a spool file");
        QueueAdmin admin = new QueueAdmin(s, log::add);

        List<MessageState> seen = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        admin.list(seen::add, problems::add);
        assertThat(seen).extracting(MessageState::id).containsExactlyInAnyOrder("m1", "m2");
        assertThat(problems).singleElement().asString().startsWith("broken: ");
        MessageState m1 = admin.show("m1").orElseThrow();
        assertThat(m1.envelope().reversePath()).isEqualTo("alice@example.org");
        assertThat(m1.recipients()).extracting(r -> r.state().getClass().getSimpleName()).containsExactly("Pending", "Deferred");
        assertThat(admin.show("nope")).isEmpty();
        assertThat(admin.show("../m1")).isEmpty();
        assertThat(admin.message("m1").orElseThrow().content().header().bytes()).isNotEmpty();

        QueueAdmin.Stats st = admin.stats();
        assertThat(st.messages()).isEqualTo(2);
        assertThat(st.pending()).isEqualTo(2);
        assertThat(st.deferred()).isEqualTo(1);
        assertThat(st.bytes()).isEqualTo((2L << 30) + m1.envelope().size());
        assertThat(st.oldest()).contains(Instant.parse("2026-11-24T10:00:00Z"));
        assertThat(st.unreadable()).isEqualTo(1);
    }

    @Test
    void freezeThawRetryAndRemoveAreJournalLinesAndNotesForTheRunningManager() throws IOException {
        Spool s = spool();
        s.enqueue("m1", "alice@example.org", MessageDsn.NONE, SpoolTest.rcpts("a@x.example"), SpoolTest.message("x"));
        s.enqueue("m2", "alice@example.org", MessageDsn.NONE, SpoolTest.rcpts("a@x.example"), SpoolTest.message("x"));
        QueueAdmin admin = new QueueAdmin(s, log::add);

        assertThat(admin.freeze("m1")).isTrue();
        assertThat(admin.show("m1").orElseThrow().frozen()).isTrue();
        assertThat(s.takeSignals()).containsExactly("m1");
        assertThat(admin.thaw("m1")).isTrue();
        assertThat(admin.show("m1").orElseThrow().frozen()).isFalse();
        assertThat(admin.retry("m1")).isTrue();
        assertThat(s.journal("m1")).extracting(e -> e.getClass().getSimpleName()).containsExactly("Frozen", "Thawed", "Retry");
        assertThat(admin.retryAll()).isEqualTo(2);
        assertThat(s.takeSignals()).containsExactlyInAnyOrder("m1", Spool.ALL);

        assertThat(admin.remove("m2")).isTrue();
        assertThat(s.contains("m2")).isFalse();
        assertThat(s.journals().resolve("m2")).doesNotExist();
        assertThat(admin.remove("m2")).isFalse();
        assertThat(admin.freeze("m2")).isFalse();
        assertThat(s.journals().resolve("m2")).doesNotExist();
        assertThat(log).containsExactly("m1 frozen by admin", "m1 unfrozen by admin", "m2 removed by admin", "m2 Completed");
    }
}
