package warden.delivery;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.log.MainLog;
import warden.mail.Envelope;
import warden.message.DataFiles;
import warden.message.MessageWriter;
import warden.message.ReceivedMessage;
import warden.queue.QueuedMessage;
import warden.recipient.Route;
import warden.recipient.Route.Mailbox;
import warden.recipient.Route.Remote;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalStoreTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-24T12:20:30Z"), ZoneOffset.UTC);
    static final String CONTENT = "From: alice@example.org\r\nSubject: hi\r\n\r\nHello,\r\nbare\rCR kept\r\n";

    @TempDir
    Path dir;
    Path logFile;
    MainLog log;
    LocalStore store;
    final List<String> spooled = new java.util.concurrent.CopyOnWriteArrayList<>();

    @BeforeEach
    void store() throws IOException {
        logFile = dir.resolve("mainlog");
        log = new MainLog(logFile, null, CLOCK);
        store = new LocalStore(dir + "/mail/{user}/Maildir", dir.resolve("spool"), "mx.warden.test", log, CLOCK);
        store.onSpooled(spooled::add);
    }

    static InboundMessage message(String id, Map<String, List<Route>> routes, String content) throws IOException {
        Trace trace = new Trace("mail.example.org", InetAddress.getByName("192.0.2.1"), Optional.of("mail.example.org"),
                "ESMTP", "mx.warden.test", id, ZonedDateTime.of(2026, 11, 24, 12, 20, 29, 0, ZoneOffset.UTC));
        return new InboundMessage(new Envelope("alice@example.org", List.copyOf(routes.keySet())), routes, trace,
                List.of("X-Warden: HELO ok"), ReceivedMessage.of(content.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aCopyCarriesItsHeadersInOrderWithLfLineEndsAndItsSizeInTheName() throws IOException {
        DeliveryReport report = store.deliver(message("id-1", Map.of("bob@example.net", List.of(new Mailbox("bob"))), CONTENT));

        List<Path> files = files("mail/bob/Maildir/new");
        assertThat(files).hasSize(1);
        String stored = Files.readString(files.getFirst());
        assertThat(stored).isEqualTo("""
                Return-path: <alice@example.org>
                Envelope-to: bob@example.net
                Delivery-date: Tue, 24 Nov 2026 12:20:30 +0000
                Received: from mail.example.org (mail.example.org [192.0.2.1])
                \tby mx.warden.test with ESMTP id id-1
                \tfor <bob@example.net>; Tue, 24 Nov 2026 12:20:29 +0000
                X-Warden: HELO ok
                From: alice@example.org
                Subject: hi

                Hello,
                bare\rCR kept
                """);
        assertThat(files.getFirst().getFileName().toString()).endsWith(",S=" + Files.size(files.getFirst()));
        assertThat(files("mail/bob/Maildir/tmp")).isEmpty();
        assertThat(report.copies()).containsExactly(
                new DeliveryReport.Copy("bob@example.net", "bob", files.getFirst().toString()));
        log.close();
        assertThat(Files.readString(logFile)).isEqualTo("2026-11-24 12:20:30 id-1 => bob <bob@example.net> R=virtual"
                + " T=maildir P=" + files.getFirst() + "\n");
    }

    @Test
    void aMessageInItsDataFileIsStreamedIntoEachMaildirCopyAndTheSpool() throws IOException {
        StringBuilder b = new StringBuilder("From: alice@example.org\r\nSubject: big\r\n\r\n");
        for (int i = 0; b.length() < 300_000; i++) b.append("line ").append(i).append(i % 11 == 0 ? " bare\rCR" : "").append("\r\n");
        String content = b.toString();
        MessageWriter w = new DataFiles(dir.resolve("receiving"), 0).writer(10_000_000);
        for (byte c : content.getBytes(StandardCharsets.ISO_8859_1)) w.add(c);
        ReceivedMessage inFile = w.finish();
        assertThat(inFile.file()).isPresent();
        Map<String, List<Route>> routes = new LinkedHashMap<>();
        routes.put("bob@example.net", List.of(new Mailbox("bob"), new Remote("far@far.example")));
        routes.put("carol@example.net", List.of(new Mailbox("carol")));
        InboundMessage m = message("id-big", routes, "");
        store.deliver(new InboundMessage(m.envelope(), m.routes(), m.trace(), m.extraHeaders(), inFile));

        String lf = content.replace("\r\n", "\n");
        for (String user : List.of("bob", "carol")) {
            assertThat(files("mail/" + user + "/Maildir/new")).singleElement().satisfies(f -> {
                String stored = Files.readString(f, StandardCharsets.ISO_8859_1);
                assertThat(stored).startsWith("Return-path: <alice@example.org>\nEnvelope-to: " + user + "@example.net\n")
                        .endsWith("X-Warden: HELO ok\n" + lf);
                assertThat(f.getFileName().toString()).endsWith(",S=" + Files.size(f));
            });
        }
        QueuedMessage q = store.spool().read("id-big");
        assertThat(new String(q.content().open().readAllBytes(), StandardCharsets.ISO_8859_1)).startsWith("Received: ")
                .endsWith("X-Warden: HELO ok\r\n" + content);
        inFile.discard();
        assertThat(files("receiving")).isEmpty();
    }

    @Test
    void oneUserReachedByTwoAddressesGetsOneCopy() throws IOException {
        Map<String, List<Route>> routes = new LinkedHashMap<>();
        routes.put("bob@example.net", List.of(new Mailbox("bob")));
        routes.put("info@example.net", List.of(new Mailbox("bob"), new Mailbox("carol")));
        routes.put("bob@localhost", List.of(new Mailbox("bob")));
        DeliveryReport report = store.deliver(message("id-2", routes, CONTENT));

        assertThat(files("mail/bob/Maildir/new")).singleElement().satisfies(f -> assertThat(Files.readString(f))
                .contains("Envelope-to: bob@example.net, info@example.net, bob@localhost\n")
                .doesNotContain("\tfor <"));
        assertThat(files("mail/carol/Maildir/new")).singleElement().satisfies(f -> assertThat(Files.readString(f))
                .contains("Envelope-to: info@example.net\n").contains("\tfor <info@example.net>;"));
        assertThat(report.copies()).extracting(DeliveryReport.Copy::destination).containsExactly("bob", "carol");
    }

    @Test
    void aJunkRouteCreatesTheFolder() throws IOException {
        store.deliver(message("id-3", Map.of("bob@localhost", List.of(new Mailbox("bob", "Junk"))), CONTENT));
        assertThat(files("mail/bob/Maildir/.Junk/new")).hasSize(1);
        assertThat(dir.resolve("mail/bob/Maildir/.Junk/maildirfolder")).isRegularFile();
        assertThat(files("mail/bob/Maildir/new")).isEmpty();
        log.close();
        assertThat(Files.readString(logFile)).contains("R=localuser T=maildir");
    }

    @Test
    void remoteRoutesGoToOneSpoolFileInWireForm() throws IOException {
        Map<String, List<Route>> routes = new LinkedHashMap<>();
        routes.put("list@example.net", List.of(new Remote("x@far.example"), new Remote("y@far.example"), new Mailbox("bob")));
        routes.put("z@far.example", List.of(new Remote("z@far.example")));
        DeliveryReport report = store.deliver(message("id-4", routes, CONTENT));

        QueuedMessage q = store.spool().read("id-4");
        assertThat(q.id()).isEqualTo("id-4");
        assertThat(q.reversePath()).isEqualTo("alice@example.org");
        assertThat(q.addresses()).containsExactly("x@far.example", "y@far.example", "z@far.example");
        // an alias's target names the address the sender used (RFC 3461 5.2.1 ORCPT), one given directly does not
        assertThat(q.recipients()).extracting(r -> r.dsn().orcpt().orElse("")).containsExactly(
                "rfc822;list@example.net", "rfc822;list@example.net", "");
        assertThat(q.arrival()).isEqualTo(CLOCK.instant());
        String wire = new String(q.content().open().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(wire).startsWith("Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n")
                .doesNotContain("Return-path").doesNotContain("for <").endsWith("X-Warden: HELO ok\r\n" + CONTENT);
        assertThat(files("spool/tmp")).isEmpty();
        assertThat(files("mail/bob/Maildir/new")).hasSize(1);
        assertThat(report.copies()).extracting(DeliveryReport.Copy::destination).containsExactly("bob", "spool");
        log.close();
        // spooling is not delivery: no => line for the remote recipients, only bob's Maildir copy
        assertThat(Files.readString(logFile)).contains("id-4 => bob <list@example.net>").doesNotContain("far.example");
        assertThat(spooled).containsExactly("id-4");
    }

    @Test
    void aMailboxThatCannotBeMadeUndoesEveryCopy() throws IOException {
        Files.createDirectories(dir.resolve("mail"));
        Files.writeString(dir.resolve("mail/bob"), "a file where bob's directory should be");
        Map<String, List<Route>> routes = new LinkedHashMap<>();
        routes.put("alice@localhost", List.of(new Mailbox("alice")));
        routes.put("bob@localhost", List.of(new Mailbox("bob")));
        routes.put("far@far.example", List.of(new Remote("far@far.example")));

        assertThatThrownBy(() -> store.deliver(message("id-5", routes, CONTENT))).isInstanceOf(IOException.class)
                .hasMessageContaining("mail/bob");
        assertNothingDelivered();
    }

    @Test
    void aFailedRenameTakesBackTheCopiesAlreadyInNew() throws IOException {
        Map<String, List<Route>> routes = new LinkedHashMap<>();
        routes.put("alice@localhost", List.of(new Mailbox("alice")));
        routes.put("bob@localhost", List.of(new Mailbox("bob")));
        store.deliver(message("warm-up", routes, CONTENT));
        for (String u : List.of("alice", "bob")) {
            for (Path f : files("mail/" + u + "/Maildir/new")) Files.delete(f);
        }
        // bob's new/ turns into a file: writing into tmp/ works, the rename into new/ fails.
        Files.delete(dir.resolve("mail/bob/Maildir/new"));
        Files.writeString(dir.resolve("mail/bob/Maildir/new"), "not a directory");

        assertThatThrownBy(() -> store.deliver(message("id-6", routes, CONTENT))).isInstanceOf(IOException.class)
                .hasMessageContaining("bob/Maildir/tmp/").hasMessageContaining("bob/Maildir/new/");
        assertThat(files("mail/alice/Maildir/new")).isEmpty();
        assertThat(files("mail/alice/Maildir/tmp")).isEmpty();
        assertThat(files("mail/bob/Maildir/tmp")).isEmpty();
    }

    @Test
    void aSpoolThatCannotBeWrittenUndoesTheLocalCopies() throws IOException {
        Files.writeString(dir.resolve("spool"), "not a directory");
        Map<String, List<Route>> routes = new LinkedHashMap<>();
        routes.put("alice@localhost", List.of(new Mailbox("alice")));
        routes.put("far@far.example", List.of(new Remote("far@far.example")));
        assertThatThrownBy(() -> store.deliver(message("id-7", routes, CONTENT))).isInstanceOf(IOException.class);
        assertThat(files("mail/alice/Maildir/new")).isEmpty();
        assertThat(files("mail/alice/Maildir/tmp")).isEmpty();
    }

    @Test
    void unsafeNamesAndMissingRoutesFailWithoutWriting() throws IOException {
        assertThatThrownBy(() -> store.deliver(message("id-8", Map.of("x@localhost", List.of(new Mailbox("../etc"))), CONTENT)))
                .isInstanceOf(IOException.class).hasMessageContaining("not a mailbox name");
        Envelope env = new Envelope("a@b.example", List.of("nobody@localhost"));
        InboundMessage noRoute = new InboundMessage(env, Map.of(), message("id-9", Map.of(), "").trace(), List.of(),
                ReceivedMessage.of(new byte[0]));
        assertThatThrownBy(() -> store.deliver(noRoute)).isInstanceOf(IOException.class).hasMessageContaining("no route");
        assertThat(dir.resolve("etc")).doesNotExist();
        assertThatThrownBy(() -> new LocalStore("var/mail/Maildir", dir, "mx", log))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{user}");
    }

    @Test
    void twentyConcurrentDeliveriesAllLandExactlyOnce() throws Exception {
        int threads = 20, each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            done.add(pool.submit(() -> {
                for (int i = 0; i < each; i++) {
                    String tag = "msg-" + thread + "-" + i;
                    Map<String, List<Route>> routes = new LinkedHashMap<>();
                    routes.put("bob@localhost", List.of(new Mailbox("bob")));
                    routes.put("team@example.net", List.of(new Mailbox("bob"), new Mailbox("u" + (i % 3))));
                    routes.put("far@far.example", List.of(new Remote("far@far.example")));
                    store.deliver(message(tag, routes, "Subject: " + tag + "\r\n\r\nbody\r\n"));
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();

        int total = threads * each;
        assertThat(tags("mail/bob/Maildir/new")).hasSize(total);
        assertThat(tags("mail/u0/Maildir/new").size() + tags("mail/u1/Maildir/new").size()
                + tags("mail/u2/Maildir/new").size()).isEqualTo(total);
        assertThat(files("spool/queue")).hasSize(total);
        for (String u : List.of("bob", "u0", "u1", "u2")) assertThat(files("mail/" + u + "/Maildir/tmp")).isEmpty();
    }

    /** The Subject tags in a directory, failing on a duplicate. */
    private Set<String> tags(String sub) throws IOException {
        Set<String> seen = new HashSet<>();
        for (Path f : files(sub)) {
            String s = Files.readString(f);
            String tag = s.substring(s.indexOf("Subject: ") + 9, s.indexOf('\n', s.indexOf("Subject: ")));
            assertThat(seen.add(tag)).as("duplicate " + tag).isTrue();
        }
        return seen;
    }

    private void assertNothingDelivered() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            assertThat(all.filter(Files::isRegularFile)
                    .filter(p -> p.getParent().getFileName().toString().matches("new|tmp|queue"))).isEmpty();
        }
    }

    private List<Path> files(String sub) throws IOException {
        Path d = dir.resolve(sub);
        if (!Files.isDirectory(d)) return List.of();
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
