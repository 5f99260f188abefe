package warden.dsn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.log.MainLog;
import warden.message.DataFiles;
import warden.message.ReceivedMessage;
import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;
import warden.queue.RecipientState;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The RFC 3464 reports, read back with Apache mime4j: structure, content types, boundary, the
 * per-message and per-recipient fields, which recipients are reported (NOTIFY), what is returned
 * (RET), bounded heap for a large original, and a bounce of a bounce going to postmaster once.
 */
@Timeout(120)
class DeliveryReportsTest {

    static final Instant ARRIVAL = Instant.parse("2026-12-02T10:00:00Z");
    static final Instant NOW = Instant.parse("2026-12-02T12:30:00Z");
    static final String HEADER = "Received: from client.example.org ([192.0.2.10])\r\n\tby mx.warden.test with ESMTP id 1a2b3c-000001;"
            + " Wed, 2 Dec 2026 10:00:00 +0000\r\nFrom: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: lunch\r\n"
            + "Message-ID: <m1@example.org>\r\n";
    static final String BODY = "Shall we?\r\n--=_not-our-boundary\r\n\r\n.leading dot\r\n";

    @TempDir
    Path dir;
    DataFiles dataFiles;
    ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    MainLog log;
    DeliveryReports reports;
    List<Report> made = new ArrayList<>();

    @BeforeEach
    void setUp() {
        dataFiles = new DataFiles(dir.resolve("data"));
        log = MainLog.console(new PrintStream(logBytes, true));
        reports = new DeliveryReports("mx.warden.test", dataFiles, Clock.fixed(NOW, ZoneOffset.UTC), log);
    }

    @AfterEach
    void tearDown() {
        made.forEach(r -> r.content().discard());
        log.close();
    }

    /** A spool-like file: an envelope, then the message; the message is the region after it. */
    QueuedMessage queued(String sender, MessageDsn dsn, byte[] content, String... rcpts) throws IOException {
        byte[] envelope = ("warden-spool 2\nid 1a2b3c-000001\nsender <" + sender + ">\n\n").getBytes(StandardCharsets.US_ASCII);
        Path file = dir.resolve("1a2b3c-000001");
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(envelope);
            out.write(content);
        }
        List<QueuedRecipient> list = new ArrayList<>();
        for (String r : rcpts) list.add(new QueuedRecipient(list.size(), r, RecipientDsn.NONE, new RecipientState.Pending()));
        return new QueuedMessage(file, "1a2b3c-000001", ARRIVAL, sender, dsn, list,
                ReceivedMessage.stored(file, envelope.length, content.length));
    }

    QueuedMessage queued(String sender, MessageDsn dsn) throws IOException {
        return queued(sender, dsn, (HEADER + "\r\n" + BODY).getBytes(StandardCharsets.US_ASCII), "bob@example.net");
    }

    static ReportedRecipient failed(String address, RecipientDsn dsn) {
        return new ReportedRecipient(address, dsn, "failed", "5.1.1", Optional.of("mx.example.net"),
                "550 5.1.1 <" + address + ">: no such user", NOW.minusSeconds(60), Optional.empty());
    }

    static RecipientDsn notify(Notify... n) {
        return new RecipientDsn(Set.of(n), Optional.empty());
    }

    ParsedReport parse(Report report) throws Exception {
        made.add(report);
        try (InputStream in = report.content().open()) {
            return ParsedReport.parse(in);
        }
    }

    @Test
    void aFailureIsOneMultipartReportWithTheThreeParts() throws Exception {
        MessageDsn dsn = new MessageDsn(Optional.empty(), Optional.of("QQ314159"));
        RecipientDsn bobDsn = new RecipientDsn(Set.of(), Optional.of("rfc822;bob+old@example.net"));
        Report report = reports.failure(queued("alice@example.org", dsn), List.of(
                failed("bob@example.net", bobDsn),
                failed("carol@example.net", notify(Notify.NEVER)),
                failed("dave@example.net", notify(Notify.SUCCESS, Notify.FAILURE)))).orElseThrow();
        assertThat(report.recipient()).isEqualTo("alice@example.org");
        ParsedReport p = parse(report);

        assertThat(p.field("From")).isEqualTo("Mail Delivery System <MAILER-DAEMON@mx.warden.test>");
        assertThat(p.field("To")).isEqualTo("<alice@example.org>");
        assertThat(p.field("Subject")).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(ZonedDateTime.parse(p.field("Date"), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()).isEqualTo(NOW);
        assertThat(p.field("Message-ID")).matches("<[^<>@\\s]+@mx\\.warden\\.test>");
        assertThat(p.field("Auto-Submitted")).isEqualTo("auto-replied");
        assertThat(p.field("MIME-Version")).isEqualTo("1.0");
        assertThat(p.field("Content-Transfer-Encoding")).isEqualTo("7bit");
        assertThat(p.mimeType()).isEqualTo("multipart/report");
        assertThat(p.contentTypeParams()).containsEntry("report-type", "delivery-status").containsKey("boundary");
        assertThat(p.contentTypeParams().get("boundary")).matches("[0-9A-Za-z'()+_,./:=?-]{1,70}");
        assertThat(p.parts()).extracting(ParsedReport.Part::mimeType)
                .containsExactly("text/plain", "message/delivery-status", "text/rfc822-headers");

        String text = p.parts().get(0).prose();
        assertThat(p.parts().get(0).charset()).isEqualToIgnoringCase("us-ascii");
        assertThat(text).contains("mx.warden.test")
                .contains("<bob@example.net>: host mx.example.net said: 550 5.1.1 <bob@example.net>: no such user")
                .contains("<dave@example.net>: host mx.example.net said:")
                .doesNotContain("carol");

        List<Map<String, String>> groups = p.parts().get(1).groups();
        assertThat(groups).hasSize(3); // per message, bob, dave (carol said NOTIFY=NEVER)
        assertThat(groups.get(0)).containsEntry("Reporting-MTA", "dns; mx.warden.test")
                .containsEntry("Original-Envelope-Id", "QQ314159")
                .containsEntry("Arrival-Date", "Wed, 2 Dec 2026 10:00:00 +0000")
                .containsEntry("X-Warden-Queue-ID", "1a2b3c-000001");
        assertThat(groups.get(1)).containsEntry("Original-Recipient", "rfc822;bob+old@example.net")
                .containsEntry("Final-Recipient", "rfc822; bob@example.net")
                .containsEntry("Action", "failed")
                .containsEntry("Status", "5.1.1")
                .containsEntry("Remote-MTA", "dns; mx.example.net")
                .containsEntry("Diagnostic-Code", "smtp; 550 5.1.1 <bob@example.net>: no such user")
                .containsEntry("Last-Attempt-Date", "Wed, 2 Dec 2026 12:29:00 +0000")
                .doesNotContainKey("Will-Retry-Until");
        assertThat(groups.get(2)).containsEntry("Final-Recipient", "rfc822; dave@example.net")
                .doesNotContainKey("Original-Recipient");

        // RET not given: the header section only, exactly as queued, and no body.
        assertThat(p.parts().get(2).text()).isEqualTo(HEADER);
    }

    @Test
    void retFullReturnsTheWholeMessageAsMessageRfc822() throws Exception {
        QueuedMessage m = queued("alice@example.org", new MessageDsn(Optional.of(Ret.FULL), Optional.empty()));
        ParsedReport p = parse(reports.failure(m, List.of(failed("bob@example.net", RecipientDsn.NONE))).orElseThrow());
        ParsedReport.Part returned = p.parts().get(2);
        assertThat(returned.mimeType()).isEqualTo("message/rfc822");
        assertThat(returned.transferEncoding()).isEqualTo("8bit");
        assertThat(p.field("Content-Transfer-Encoding")).isEqualTo("8bit");
        assertThat(returned.text()).isEqualTo(HEADER + "\r\n" + BODY);
        assertThat(p.parts().get(1).groups().get(0)).doesNotContainKey("Original-Envelope-Id");
    }

    @Test
    void retHdrsReturnsTheHeaderOnly() throws Exception {
        QueuedMessage m = queued("alice@example.org", new MessageDsn(Optional.of(Ret.HDRS), Optional.empty()));
        ParsedReport p = parse(reports.failure(m, List.of(failed("bob@example.net", RecipientDsn.NONE))).orElseThrow());
        assertThat(p.parts().get(2).mimeType()).isEqualTo("text/rfc822-headers");
        assertThat(p.parts().get(2).text()).isEqualTo(HEADER).doesNotContain("Shall we");
    }

    @Test
    void aDelayNamesTheRetryLimitAndReturnsTheHeaderEvenWithRetFull() throws Exception {
        QueuedMessage m = queued("alice@example.org", new MessageDsn(Optional.of(Ret.FULL), Optional.empty()));
        Instant until = ARRIVAL.plusSeconds(5 * 86400);
        ReportedRecipient bob = new ReportedRecipient("bob@example.net", notify(Notify.DELAY), "delayed", "4.7.1",
                Optional.of("mx.example.net"), "451 4.7.1 try later", NOW.minusSeconds(30), Optional.of(until));
        ReportedRecipient carol = new ReportedRecipient("carol@example.net", notify(Notify.FAILURE), "delayed", "4.7.1",
                Optional.empty(), "connection refused", NOW.minusSeconds(30), Optional.of(until));
        ParsedReport p = parse(reports.delay(m, List.of(bob, carol)).orElseThrow());
        assertThat(p.field("Subject")).isEqualTo("Delayed Mail (still being retried)");
        List<Map<String, String>> groups = p.parts().get(1).groups();
        assertThat(groups).hasSize(2);
        assertThat(groups.get(1)).containsEntry("Action", "delayed").containsEntry("Status", "4.7.1")
                .containsEntry("Will-Retry-Until", "Mon, 7 Dec 2026 10:00:00 +0000")
                .containsEntry("Diagnostic-Code", "smtp; 451 4.7.1 try later");
        assertThat(p.parts().get(0).prose()).contains("still being retried").contains("Mon, 7 Dec 2026 10:00:00 +0000")
                .doesNotContain("carol");
        assertThat(p.parts().get(2).mimeType()).isEqualTo("text/rfc822-headers");
    }

    @Test
    void successIsReportedOnlyToThoseWhoAskedForIt() throws Exception {
        QueuedMessage m = queued("alice@example.org", MessageDsn.NONE);
        ReportedRecipient bob = new ReportedRecipient("bob@example.net", notify(Notify.SUCCESS), "relayed", "2.0.0",
                Optional.of("mx.example.net"), "250 2.0.0 Ok: queued as 4F2", NOW, Optional.empty());
        ReportedRecipient local = new ReportedRecipient("carol@example.net", notify(Notify.SUCCESS, Notify.FAILURE),
                "delivered", "2.0.0", Optional.empty(), "", NOW, Optional.empty());
        ReportedRecipient quiet = new ReportedRecipient("dave@example.net", RecipientDsn.NONE, "delivered", "2.0.0",
                Optional.empty(), "", NOW, Optional.empty());
        ParsedReport p = parse(reports.success(m, List.of(bob, local, quiet)).orElseThrow());
        assertThat(p.field("Subject")).isEqualTo("Successful Mail Delivery Report");
        List<Map<String, String>> groups = p.parts().get(1).groups();
        assertThat(groups).hasSize(3);
        assertThat(groups.get(1)).containsEntry("Action", "relayed").containsEntry("Status", "2.0.0");
        assertThat(groups.get(2)).containsEntry("Action", "delivered").doesNotContainKey("Diagnostic-Code")
                .doesNotContainKey("Remote-MTA");
        assertThat(p.parts().get(0).prose()).contains("<bob@example.net>: handed to mx.example.net, which does not send")
                .contains("<carol@example.net>: delivered").doesNotContain("dave");

        assertThat(reports.success(m, List.of(quiet))).as("no NOTIFY: no success report").isEmpty();
    }

    @Test
    void nobodyAskingMeansNoReportAndNoFileLeft() throws Exception {
        QueuedMessage m = queued("alice@example.org", MessageDsn.NONE);
        assertThat(reports.failure(m, List.of(failed("bob@example.net", notify(Notify.NEVER))))).isEmpty();
        assertThat(reports.delay(m, List.of(failed("bob@example.net", notify(Notify.FAILURE))))).isEmpty();
        assertThat(reports.failure(m, List.of())).isEmpty();
        assertThat(dir.resolve("data")).satisfiesAnyOf(d -> assertThat(d).doesNotExist(), d -> assertThat(d).isEmptyDirectory());
    }

    /** Never bounce a bounce: a failed message from {@code <>} goes to postmaster once; that report's failure is dropped. */
    @Test
    void aFailedBounceGoesToPostmasterOnceThenIsDropped() throws Exception {
        QueuedMessage bounce = queued("", MessageDsn.NONE);
        Report toPostmaster = reports.failure(bounce, List.of(failed("bob@example.net", notify(Notify.NEVER)))).orElseThrow();
        assertThat(toPostmaster.recipient()).isEqualTo("postmaster@mx.warden.test");
        ParsedReport p = parse(toPostmaster);
        assertThat(p.field("To")).isEqualTo("<postmaster@mx.warden.test>");
        assertThat(p.field("Subject")).isEqualTo("Postmaster Copy: Undelivered Mail");
        assertThat(p.parts().get(0).prose()).contains("null sender").contains("<bob@example.net>: host mx.example.net said");
        assertThat(p.parts().get(1).groups().get(0)).doesNotContainKey("X-Warden-Sender");
        assertThat(p.parts().get(2).text()).isEqualTo(HEADER);

        // That report is from <> to our postmaster: if it fails too, nothing more is sent.
        QueuedMessage report = queued("", MessageDsn.NONE);
        assertThat(reports.failure(report, List.of(failed("postmaster@MX.warden.test", notify(Notify.NEVER))))).isEmpty();
        assertThat(warden.testing.LogWait.line(logBytes::toString,
                "1a2b3c-000001 dropped: failure of a message from <> to <postmaster@MX.warden.test> not reported"))
                .contains("550 5.1.1");

        // Delays and successes of a message from <> are never reported at all.
        assertThat(reports.delay(bounce, List.of(failed("bob@example.net", RecipientDsn.NONE)))).isEmpty();
        assertThat(reports.success(bounce, List.of(failed("bob@example.net", notify(Notify.SUCCESS))))).isEmpty();
    }

    /** Remote text is hostile: a reply with a line break or a huge word cannot add a field or break the line limits. */
    @Test
    void aHostileReplyStaysInsideItsField() throws Exception {
        QueuedMessage m = queued("alice@example.org", MessageDsn.NONE);
        ReportedRecipient evil = new ReportedRecipient("bob@example.net", RecipientDsn.NONE, "failed", "5.7.1\r\nX: y",
                Optional.of("mx.example.net\r\nX-Injected: host"), "550 5.7.1 no\r\nX-Injected: yes\u0000 " + "w".repeat(1500)
                + " " + "word ".repeat(100), NOW, Optional.empty());
        Report report = reports.failure(m, List.of(evil)).orElseThrow();
        ParsedReport p = parse(report);
        Map<String, String> group = p.parts().get(1).groups().get(1);
        assertThat(group).doesNotContainKey("X-Injected").doesNotContainKey("X");
        assertThat(group).containsEntry("Status", "5.0.0");
        assertThat(group.get("Diagnostic-Code")).startsWith("smtp; 550 5.7.1 no X-Injected: yes\\x00 www");
        assertThat(p.parts().get(0).text()).doesNotContain("\r\nX-Injected");
        try (InputStream in = report.content().open()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r\n")) {
                assertThat(line.length()).as(line).isLessThanOrEqualTo(998);
            }
        }
    }

    /** RFC 6533: an original whose header has UTF-8 comes back as message/global-headers, 8bit. */
    @Test
    void anEightBitHeaderComesBackAsGlobalHeaders() throws Exception {
        byte[] content = ("Subject: caf\u00e9\r\nFrom: j\u00f6rg@example.org\r\n\r\nhi\r\n").getBytes(StandardCharsets.UTF_8);
        QueuedMessage m = queued("j\u00f6rg@example.org", MessageDsn.NONE, content, "bob@example.net");
        ParsedReport p = parse(reports.failure(m, List.of(failed("bob@example.net", RecipientDsn.NONE))).orElseThrow());
        assertThat(p.parts().get(2).mimeType()).isEqualTo("message/global-headers");
        assertThat(p.parts().get(2).transferEncoding()).isEqualTo("8bit");
        assertThat(p.field("Content-Transfer-Encoding")).isEqualTo("8bit");
        assertThat(p.parts().get(2).text()).isEqualTo("Subject: caf\u00e9\r\nFrom: j\u00f6rg@example.org\r\n");

        ParsedReport utf8Rcpt = parse(reports.failure(m, List.of(failed("b\u00f6b@example.net", RecipientDsn.NONE))).orElseThrow());
        assertThat(utf8Rcpt.parts().get(1).mimeType()).isEqualTo("message/global-delivery-status");
        assertThat(utf8Rcpt.parts().get(1).groups().get(1)).containsEntry("Final-Recipient", "utf-8; b\u00f6b@example.net");
        assertThat(utf8Rcpt.parts().get(0).charset()).isEqualToIgnoringCase("utf-8");
    }

    /**
     * A 20 MB original with RET=FULL: the report is written to a data file a chunk at a time. The
     * thread composing it allocates a small fraction of the message (reading it into the heap would
     * allocate all 20 MB at least), and the returned part is the original, octet for octet.
     */
    @Test
    void aTwentyMegabyteOriginalIsReturnedInFullWithBoundedHeap() throws Exception {
        int size = 20 * 1024 * 1024;
        Path file = dir.resolve("1a2b3c-000001");
        byte[] envelope = "warden-spool 2\nid 1a2b3c-000001\n\n".getBytes(StandardCharsets.US_ASCII);
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(envelope);
            byte[] header = HEADER.concat("\r\n").getBytes(StandardCharsets.US_ASCII);
            out.write(header);
            sha.update(header);
            byte[] line = ("0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 \u00e9t\u00e9\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            long written = header.length;
            while (written + line.length <= size) {
                out.write(line);
                sha.update(line);
                written += line.length;
            }
            size = (int) written;
        }
        String expected = java.util.HexFormat.of().formatHex(sha.digest());
        QueuedMessage m = new QueuedMessage(file, "1a2b3c-000001", ARRIVAL, "alice@example.org",
                new MessageDsn(Optional.of(Ret.FULL), Optional.empty()),
                List.of(new QueuedRecipient(0, "bob@example.net", RecipientDsn.NONE, new RecipientState.Pending())),
                ReceivedMessage.stored(file, envelope.length, size));

        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(tid);
        Report report = reports.failure(m, List.of(failed("bob@example.net", RecipientDsn.NONE))).orElseThrow();
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        made.add(report);

        assertThat(allocated).as("bytes allocated composing a report of a %d-octet message", size).isLessThan(size / 8);
        assertThat(report.content().file()).as("a large report is in a data file").isPresent();
        assertThat(report.content().file().get().getParent()).isEqualTo(dir.resolve("data"));
        assertThat(report.content().size()).isGreaterThan(size);
        ParsedReport p;
        try (InputStream in = report.content().open()) {
            p = ParsedReport.parse(in);
        }
        assertThat(p.parts()).hasSize(3);
        assertThat(p.parts().get(2).mimeType()).isEqualTo("message/rfc822");
        assertThat(p.parts().get(2).size()).isEqualTo(size);
        assertThat(p.parts().get(2).sha256()).isEqualTo(expected);

        report.content().discard();
        assertThat(dir.resolve("data")).isEmptyDirectory();
    }
}
