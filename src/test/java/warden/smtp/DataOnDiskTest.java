package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.delivery.DeliveryReport;
import warden.delivery.InboundMessage;
import warden.delivery.MessageStore;
import warden.mail.Reply;
import warden.message.DataFiles;
import warden.policy.Decision;
import warden.policy.PolicyEngine;
import warden.policy.Stage;
import warden.policy.Verdict;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * DATA is written to a data file as it is read, and the file is gone after every ending of the
 * transaction: delivered, refused by the protocol or the policy, a failed delivery, a lost
 * client, a file that cannot be written. Messages here are forced into files however small.
 */
class DataOnDiskTest {

    @TempDir
    Path dir;

    final RecordingStore recorded = new RecordingStore();
    TestSmtp smtp;

    /** The recording store, with data files in {@code dir/receiving} for every message. */
    MessageStore store(Path data) {
        DataFiles files = new DataFiles(data, 0);
        return new MessageStore() {
            @Override
            public DeliveryReport deliver(InboundMessage message) throws IOException {
                assertThat(message.content().file()).as("the message is in its data file").isPresent();
                return recorded.deliver(message);
            }

            @Override
            public DataFiles dataFiles() {
                return files;
            }
        };
    }

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    private Path data() {
        return dir.resolve("receiving");
    }

    private long dataFiles() throws IOException {
        if (!Files.exists(data())) return 0;
        try (Stream<Path> s = Files.list(data())) {
            return s.count();
        }
    }

    private void start(String yaml, PolicyEngine policy) throws IOException {
        smtp = new TestSmtp(yaml, policy, TestSmtp.EXAMPLE_TEST, store(data()), UnaryOperator.identity());
    }

    private static String body(int lines) {
        return "Subject: big\r\n\r\n" + "0123456789 abcdefghijklmnopqrstuvwxyz\r\n".repeat(lines);
    }

    @Test
    void aDeliveredMessageLeavesNoDataFile() throws Exception {
        start("", PolicyEngine.permissive());
        String body = body(5000);
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354).raw(body + ".\r\n").expect(250);
            assertThat(dataFiles()).isZero();
        }
        assertThat(recorded.content(0)).isEqualTo(body);
    }

    @Test
    void aRefusedOrUndeliveredMessageLeavesNoDataFile() throws Exception {
        PolicyEngine refuseData = client -> s -> s.stage() == Stage.DATA
                ? new Decision(new Verdict.Refuse(Reply.of(550, "5.7.1", "not wanted"), false), Duration.ZERO, List.of(), List.of())
                : Decision.proceed();
        start("limits:\n  message_size: 100K\n", refuseData);
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354).raw(body(5000) + ".\r\n")
                    .expect(552, "5.3.4");
            assertThat(dataFiles()).as("too big").isZero();
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw(body(100) + "x".repeat(2000) + "\r\n.\r\n").expect(550, "5.6.0");
            assertThat(dataFiles()).as("line too long").isZero();
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw(body(1000) + ".\r\n").expect(550, "5.7.1");
            assertThat(dataFiles()).as("refused by the policy").isZero();
        }
        smtp.close();
        start("", PolicyEngine.permissive());
        recorded.fail = true;
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354).raw(body(1000) + ".\r\n")
                    .expect(451, "4.3.0");
            assertThat(dataFiles()).as("delivery failed").isZero();
        }
    }

    @Test
    void aClientLostInDataLeavesNoDataFile() throws Exception {
        start("", PolicyEngine.permissive());
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354).raw(body(20_000));
            awaitDataFiles(1);
        }
        awaitDataFiles(0);
        assertThat(recorded.messages).isEmpty();
    }

    @Test
    void aDataFileThatCannotBeWrittenIs451AndTheSessionGoesOn() throws Exception {
        Files.writeString(data(), "a file where the data directory should be");
        start("", PolicyEngine.permissive());
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354).raw(body(1000) + ".\r\n")
                    .expect(451, "4.3.0");
            d.send("NOOP").expect(250);
        }
        assertThat(recorded.messages).isEmpty();
        assertThat(smtp.log()).contains("not stored, client told to retry");
    }

    @Test
    void aDotStuffedLineOf1000OctetsAfterUnstuffingIsAccepted() throws Exception {
        start("", PolicyEngine.permissive());
        String line = "." + "y".repeat(997); // 998 octets + CRLF = 1000 after un-stuffing, 1001 on the wire
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw("Subject: dots\r\n\r\n." + line + "\r\n.\r\n").expect(250);
            // one more octet is over the limit, stuffed or not (RFC 5321 4.5.3.1.6)
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: dots\r\n\r\n." + line + "y\r\n.\r\n").expect(550, "5.6.0");
            d.send("MAIL FROM:<a@example.org>").expect(250).send("RCPT TO:<b@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: dots\r\n\r\n" + "z".repeat(999) + "\r\n.\r\n").expect(550, "5.6.0");
        }
        assertThat(recorded.messages).hasSize(1);
        assertThat(new String(recorded.bytes(0), StandardCharsets.US_ASCII)).isEqualTo("Subject: dots\r\n\r\n" + line + "\r\n");
    }

    private void awaitDataFiles(long n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (dataFiles() != n) {
            assertThat(System.nanoTime()).as("%d data files within 20 s, have %d", n, dataFiles()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
