package warden.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.queue.JournalEvent.ReportKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class JournalTest {

    static final Instant T = Instant.parse("2026-11-24T12:20:30Z");

    @TempDir
    Path dir;

    Spool spool() throws IOException {
        Spool s = new Spool(dir.resolve("spool"), Clock.fixed(T, ZoneOffset.UTC));
        if (!s.contains("m1")) {
            s.enqueue("m1", "alice@example.org", MessageDsn.NONE, List.of(new Recipient("a@x.example"),
                    new Recipient("b@x.example", new RecipientDsn(Set.of(Notify.SUCCESS), Optional.empty())),
                    new Recipient("c@y.example")), SpoolTest.message("Subject: j\r\n\r\nx\r\n"));
        }
        return s;
    }

    @Test
    void everyEventIsOneLineThatReadsBackTheSame() throws IOException {
        Spool s = spool();
        List<JournalEvent> events = List.of(
                new JournalEvent.Delivered(T, 0, Optional.of("mx.example.net"), false, "250 2.0.0 Ok: queued as X"),
                new JournalEvent.Deferred(T, 2, T.plusSeconds(300), Optional.of("mx 2\r\n.example"), "451 4.7.1 try\r\nlater"),
                new JournalEvent.Failed(T, 2, "5.1.1", Optional.empty(), "550 5.1.1 no such user"),
                new JournalEvent.Delivered(T, 1, Optional.of("mx.example.net"), true, "250 ok"),
                new JournalEvent.Reported(T, ReportKind.FAILURE, List.of(2), "m1-F1"),
                new JournalEvent.Reported(T, ReportKind.DELAY, List.of(), ""),
                new JournalEvent.Frozen(T, "by admin"),
                new JournalEvent.Thawed(T),
                new JournalEvent.Retry(T));
        s.append("m1", events);
        List<JournalEvent> back = s.journal("m1");
        assertThat(back).hasSize(events.size());
        assertThat(back.get(0)).isEqualTo(events.get(0));
        // the peer's line break is escaped: it cannot start a line of its own
        assertThat(back.get(1)).isEqualTo(new JournalEvent.Deferred(T, 2, T.plusSeconds(300), Optional.of("mx 2\r\n.example"),
                "451 4.7.1 try\\x0d\\x0alater"));
        assertThat(back.subList(2, back.size())).isEqualTo(events.subList(2, events.size()));
        assertThat(Files.readAllLines(s.journals().resolve("m1"))).hasSize(events.size());
    }

    @Test
    void aTornLastLineIsIgnoredAndCutOffByTheNextAppend() throws IOException {
        Spool s = spool();
        s.append("m1", new JournalEvent.Delivered(T, 0, Optional.empty(), false, "250 ok"));
        Path j = s.journals().resolve("m1");
        // a crash in the middle of writing the next line
        Files.writeString(j, "delivered 2026-11-24T12:20:30Z 1 - - 250 o", StandardOpenOption.APPEND);
        MessageState st = s.state("m1");
        assertThat(st.recipients().get(0).state()).isInstanceOf(RecipientState.Delivered.class);
        assertThat(st.recipients().get(1).state()).isInstanceOf(RecipientState.Pending.class);

        s.append("m1", new JournalEvent.Failed(T, 2, "5.1.1", Optional.empty(), "550 no"));
        assertThat(Files.readString(j, StandardCharsets.UTF_8)).isEqualTo(
                "delivered 2026-11-24T12:20:30Z 0 - - 250 ok\nfailed 2026-11-24T12:20:30Z 2 5.1.1 - 550 no\n");
        // a garbled whole line is skipped, not fatal
        Files.writeString(j, "garbage here\ndeferred nonsense\n", StandardOpenOption.APPEND);
        assertThat(s.journal("m1")).hasSize(2);
    }

    @Test
    void theStateIsTheEnvelopeWithTheJournalPlayedOverIt() throws IOException {
        Spool s = spool();
        Instant t1 = T.plusSeconds(60);
        s.append("m1", List.of(
                new JournalEvent.Deferred(T, 0, T.plusSeconds(300), Optional.of("mx"), "451 a"),
                new JournalEvent.Deferred(t1, 0, t1.plusSeconds(600), Optional.of("mx"), "451 b"),
                new JournalEvent.Delivered(t1, 1, Optional.of("mx"), false, "250 ok"),
                new JournalEvent.Deferred(t1, 2, t1.plusSeconds(300), Optional.empty(), "connection refused")));
        MessageState st = s.state("m1");
        assertThat(st.recipients().get(0).state()).isEqualTo(new RecipientState.Deferred(2, t1.plusSeconds(600), "451 b"));
        assertThat(st.nextAttempt()).contains(t1.plusSeconds(300));
        assertThat(st.allDone()).isFalse();
        assertThat(st.successUnreported()).extracting(QueuedRecipient::address).containsExactly("b@x.example");
        assertThat(st.host(0)).contains("mx");

        Instant t2 = T.plusSeconds(120);
        s.append("m1", new JournalEvent.Retry(t2));
        assertThat(s.state("m1").nextAttempt()).contains(t2);
        s.append("m1", new JournalEvent.Frozen(t2, "by admin"));
        assertThat(s.state("m1").frozen()).isTrue();
        s.append("m1", new JournalEvent.Thawed(t2));
        assertThat(s.state("m1").frozen()).isFalse();

        s.append("m1", List.of(new JournalEvent.Delivered(t2, 0, Optional.of("mx"), false, "250 ok"),
                new JournalEvent.Failed(t2, 2, "4.4.7", Optional.empty(), "retry timeout exceeded")));
        st = s.state("m1");
        assertThat(st.allDone()).isTrue();
        assertThat(st.complete()).isFalse(); // two reports are due
        assertThat(st.failedUnreported()).extracting(QueuedRecipient::index).containsExactly(2);
        assertThat(st.status(2)).isEqualTo("4.4.7");
        assertThat(st.nextAttempt()).contains(T);
        s.append("m1", List.of(new JournalEvent.Reported(t2, ReportKind.FAILURE, List.of(2), "m1-F1"),
                new JournalEvent.Reported(t2, ReportKind.SUCCESS, List.of(1), "")));
        assertThat(s.state("m1").complete()).isTrue();
        assertThat(s.state("m1").nextAttempt()).isEmpty();
        // a late deferral (a crash replayed) never undoes a delivery
        s.append("m1", new JournalEvent.Deferred(t2, 0, t2.plus(Duration.ofHours(1)), Optional.empty(), "x"));
        assertThat(s.state("m1").recipients().get(0).state()).isInstanceOf(RecipientState.Delivered.class);
    }

    @Test
    void concurrentAppendsFromManyThreadsLoseNoLine() throws Exception {
        Spool s = spool();
        int threads = 8, each = 50;
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < each; i++) s.append("m1", new JournalEvent.Retry(T));
                    return null;
                });
            }
        }
        assertThat(s.journal("m1")).hasSize(threads * each);
    }
}
