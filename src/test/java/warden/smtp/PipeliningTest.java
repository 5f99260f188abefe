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
