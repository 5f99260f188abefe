package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import warden.testing.Dialogue;
import warden.testing.LogWait;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 2920 PIPELINING: a batch of commands gets its replies in order, in one flush. */
class PipeliningTest {

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = new TestSmtp("", store);
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    @Test
    void aPipelinedBatchIsAnsweredInOrder() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250);
            d.raw("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<nobody@else.test>\r\n"
                    + "RCPT TO:<c@example.test>\r\nDATA\r\n");
            d.expect(250, "2.1.0").expect(250, "2.1.5").expect(550, "5.1.1").expect(250, "2.1.5").expect(354);
            d.raw("Subject: p\r\n\r\nbody\r\n.\r\nMAIL FROM:<x@example.org>\r\nRCPT TO:<y@example.test>\r\nDATA\r\n");
            d.expect(250, "queued").expect(250).expect(250).expect(354);
            d.raw("Subject: q\r\n\r\nbody\r\n.\r\nQUIT\r\n").expect(250).expect(221);
        }
        assertThat(store.messages).hasSize(2);
        assertThat(store.messages.get(0).envelope().recipients()).containsExactly("b@example.test", "c@example.test");
    }

    /**
     * RFC 2920 3.1: message text may follow only DATA's 354. A client that sends it at once and
     * gets its DATA refused must not have the text read as commands: a quoted SMTP transcript
     * ({@code RCPT}, {@code DATA}) would become a transaction. Seen replaying peer suites: the
     * text's RCPT and DATA were run and a forged message delivered.
     */
    @Test
    void messageTextSentBeforeARefusedDataIsNeverRunAsCommands() throws Exception {
        String text = "Subject: an SMTP transcript\r\n\r\nRCPT TO:<b@example.test>\r\nDATA\r\nforged\r\n.\r\nQUIT\r\n";
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250);
            d.raw("MAIL FROM:<a@example.org>\r\nRCPT TO:<nobody@else.test>\r\nDATA\r\n" + text);
            d.expect(250, "2.1.0").expect(550, "5.1.1").expect(554, "5.5.1 No valid recipients")
                    .expect(421, "4.5.0 mx.warden.test SMTP protocol synchronization");
            assertThat(d.closedByServer()).isTrue();
        }
        try (Dialogue d = smtp.dialogue()) {
            // no transaction at all (a refused MAIL): the same
            d.expect(220).send("EHLO c.example.org").expect(250);
            d.raw("MAIL FROM:<a@@example.org>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"
                    + "MAIL FROM:<a@example.org>\r\n" + text);
            d.expect(501, "5.1.7").expect(503, "5.5.1").expect(503, "5.5.1").expect(421, "4.5.0");
            assertThat(d.closedByServer()).isTrue();
        }
        try (Dialogue d = smtp.dialogue()) {
            // BDAT is not offered (no CHUNKING), but its chunk follows it at once (RFC 3030)
            String chunk = "MAIL FROM:<a@example.org>\r\n" + text;
            d.expect(220).send("EHLO c.example.org").expect(250);
            d.raw("BDAT " + chunk.length() + " LAST\r\n" + chunk);
            d.expect(502, "5.5.1").expect(421, "4.5.0");
            assertThat(d.closedByServer()).isTrue();
        }
        assertThat(smtp.awaitLog("dropped: message text sent without waiting for the reply to DATA/BDAT")).contains("[127.0.0.1]");
        assertThat(store.messages).isEmpty();
    }

    @Test
    void aRefusedDataTheClientWaitedForKeepsTheSession() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250)
                    .send("MAIL FROM:<a@example.org>").expect(250)
                    .send("RCPT TO:<nobody@else.test>").expect(550)
                    .send("DATA").expect(554, "5.5.1")
                    .send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354)
                    .raw("Subject: s\r\n\r\nbody\r\n.\r\n").expect(250, "queued")
                    .send("QUIT").expect(221);
        }
        assertThat(store.messages).hasSize(1);
    }

    @Test
    void repliesToABatchArriveTogether() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250);
            d.raw("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.test>\r\nNOOP\r\n");
            // All three replies are written before the server waits for more input: the client sends
            // nothing more, so they arrive (a wait with a deadline, not a guess at how long it takes).
            InputStream in = d.socket().getInputStream();
            int batch = "250 2.1.0 Sender ok\r\n250 2.1.5 Recipient ok\r\n250 2.0.0 Ok\r\n".length();
            long deadline = System.nanoTime() + LogWait.DEADLINE.toNanos();
            while (in.available() < batch && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(in.available()).isGreaterThanOrEqualTo(batch);
            d.expect(250).expect(250).expect(250);
        }
    }

    @Test
    void concurrentClientsAllGetTheirMessagesDelivered() throws Exception {
        int clients = 40;
        int perClient = 10;
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                futures.add(pool.submit(() -> {
                    try (Dialogue d = smtp.dialogue()) {
                        d.expect(220).send("EHLO c" + id + ".example.org").expect(250);
                        for (int m = 0; m < perClient; m++) {
                            d.raw("MAIL FROM:<s" + id + "@example.org>\r\nRCPT TO:<r" + id + "@example.test>\r\nDATA\r\n")
                                    .expect(250).expect(250).expect(354)
                                    .raw("Subject: " + id + "/" + m + "\r\n\r\nbody\r\n.\r\n").expect(250);
                        }
                        d.send("QUIT").expect(221);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get();
        }
        assertThat(store.messages).hasSize(clients * perClient);
    }
}
