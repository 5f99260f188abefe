package warden.queue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.delivery.LocalStore;
import warden.dsn.DeliveryReports;
import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.log.MainLog;
import warden.mail.Reply;
import warden.message.ReceivedMessage;
import warden.outbound.Destination;
import warden.outbound.Outcome;
import warden.recipient.RecipientVerdict;
import warden.recipient.Route;
import warden.testing.TestClock;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueueManagerTest {

    static final Instant T = Instant.parse("2026-11-24T12:00:00Z");
    static final String BODY = "From: alice@example.org\r\nSubject: queued\r\n\r\nHello\r\n";
    static final QueueSettings FAST = new QueueSettings(Duration.ofMinutes(5), Duration.ofMinutes(20), Duration.ofHours(1),
            20, Optional.empty());

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(T);
    final List<String> log = new CopyOnWriteArrayList<>();
    final ScriptedTransport transport = new ScriptedTransport();
    volatile Optional<String> problem = Optional.empty();
    MainLog mainLog;
    LocalStore store;
    Spool spool;
    QueueManager manager;

    /** Ours: {@code @warden.test}; {@code nobody@warden.test} does not exist; the rest is remote. */
    static final Function<String, RecipientVerdict> ROUTER = address -> {
        if (address.equals("nobody@warden.test")) {
            return new RecipientVerdict.Refused(Reply.of(550, "5.1.1", "<nobody@warden.test>: no such user"), "unknown");
        }
        if (address.equals("list@warden.test")) {
            return new RecipientVerdict.Accepted(List.of(new Route.Mailbox("bob"), new Route.Remote("far@example.net")));
        }
        if (address.endsWith("@warden.test") || address.endsWith("@mx.warden.test")) {
            return new RecipientVerdict.Accepted(List.of(new Route.Mailbox(address.substring(0, address.indexOf('@')))));
        }
        return new RecipientVerdict.Accepted(List.of(new Route.Remote(address)));
    };

    @BeforeEach
    void setUp() throws IOException {
        mainLog = new MainLog(dir.resolve("mainlog"), null, clock);
        store = new LocalStore(dir + "/mail/{user}/Maildir", dir.resolve("spool"), "mx.warden.test", mainLog, clock);
        spool = store.spool();
    }

    @AfterEach
    void tearDown() {
        if (manager != null) manager.close(Duration.ofSeconds(5));
        mainLog.close();
    }

    QueueManager start(QueueSettings settings, Duration tick) {
        manager = new QueueManager(spool, transport, Destination::mx, ROUTER, store,
                new DeliveryReports("mx.warden.test", store.dataFiles(), clock, mainLog), settings, () -> problem,
                log::add, clock, tick).start();
        store.onSpooled(manager::arrived);
        return manager;
    }

    QueueManager start() {
        return start(FAST, Duration.ofMillis(20));
    }

    void enqueue(String id, String sender, Recipient... to) throws IOException {
        spool.enqueue(id, sender, MessageDsn.NONE, List.of(to), ReceivedMessage.of(BODY.getBytes(StandardCharsets.UTF_8)));
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        await(condition, Duration.ofSeconds(20));
    }

    static void await(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met in " + limit);
            Thread.sleep(5);
        }
    }

    int journalLines(String id, Class<?> kind) throws IOException {
        return (int) spool.journal(id).stream().filter(kind::isInstance).count();
    }

    @Test
    void aMessageThatArrivesIsSentAtOnceLoggedAndCompleted() throws Exception {
        start(FAST, Duration.ofHours(1)); // no queue interval: arrived() alone must wake it
        await(manager::scanned);
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"));
        manager.arrived("m1");
        await(() -> log.contains("m1 Completed"));
        assertThat(log).containsExactly("m1 => bob@example.net R=dnslookup T=remote_smtp H=mx.test [127.0.0.1]"
                + " X=TLS1.3:TLS_AES_256_GCM_SHA384:256 C=\"250 2.0.0 Ok: queued as 42\"", "m1 Completed");
        assertThat(transport.calls).singleElement().satisfies(c -> {
            assertThat(c.destination()).isEqualTo(Destination.mx("example.net"));
            assertThat(c.addresses()).containsExactly("bob@example.net");
            assertThat(c.content()).isEqualTo(BODY);
        });
        assertThat(spool.queue().resolve("m1")).doesNotExist();
        assertThat(spool.journals().resolve("m1")).doesNotExist();
    }

    @Test
    void recipientsAreGroupedByDestinationAndEachDestinationHasItsConcurrencyLimit() throws Exception {
        transport.hold(Duration.ofMillis(100));
        for (int i = 0; i < 8; i++) enqueue("s" + i, "alice@example.org", new Recipient("r" + i + "@slow.example"));
        enqueue("mixed", "alice@example.org", new Recipient("a@one.example"), new Recipient("b@two.example"),
                new Recipient("c@one.example"));
        start(new QueueSettings(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), 2, Optional.empty()),
                Duration.ofMillis(20));
        await(() -> log.stream().filter(l -> l.endsWith(" Completed")).count() == 9);
        assertThat(transport.calls.stream().filter(c -> c.destination().key().equals("slow.example")).count()).isEqualTo(8);
        assertThat(transport.mostAtOnce.get()).isLessThanOrEqualTo(2 + 2); // slow.example's 2, plus one.example and two.example
        assertThat(transport.callsFor("mixed")).extracting(ScriptedTransport.Call::addresses)
                .containsExactlyInAnyOrder(List.of("a@one.example", "c@one.example"), List.of("b@two.example"));
    }

    @Test
    void concurrencyPerDestinationIsNeverExceeded() throws Exception {
        transport.hold(Duration.ofMillis(150));
        for (int i = 0; i < 10; i++) enqueue("s" + i, "alice@example.org", new Recipient("r" + i + "@slow.example"));
        start(new QueueSettings(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), 3, Optional.empty()),
                Duration.ofMillis(20));
        await(() -> log.stream().filter(l -> l.endsWith(" Completed")).count() == 10);
        assertThat(transport.mostAtOnce.get()).isEqualTo(3);
    }

    @Test
    void aDeferredRecipientIsRetriedWithBackoffThenFailsAfterMaxAgeAndIsBouncedFromTheNullSender() throws Exception {
        transport.answer((d, a) -> a.equals("alice@example.org") ? ScriptedTransport.delivered(a)
                : ScriptedTransport.deferred(a, 451, "4.7.1", "try later"));
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"));
        start();
        await(() -> transport.callsFor("m1").size() == 1 && spoolHas("m1", 1));
        assertThat(spool.state("m1").recipients().getFirst().state())
                .isEqualTo(new RecipientState.Deferred(1, T.plus(Duration.ofMinutes(5)), "451 4.7.1 try later"));
        await(() -> log.contains("m1 == bob@example.net R=dnslookup T=remote_smtp defer: SMTP error from remote mail server"
                + " after RCPT TO:<bob@example.net>: 451 4.7.1 try later")); // logged just after the journal line

        // not before it is due
        clock.advance(Duration.ofMinutes(4));
        Thread.sleep(100);
        assertThat(transport.callsFor("m1")).hasSize(1);
        clock.advance(Duration.ofMinutes(1)); // T+5m: second attempt, then 10 minutes
        await(() -> spoolHas("m1", 2));
        assertThat(next("m1")).isEqualTo(T.plus(Duration.ofMinutes(15)));
        clock.advance(Duration.ofMinutes(10)); // T+15m: third, then 20 (retry_max)
        await(() -> spoolHas("m1", 3));
        assertThat(next("m1")).isEqualTo(T.plus(Duration.ofMinutes(35)));
        clock.advance(Duration.ofMinutes(20)); // T+35m: fourth; T+55m would be next, capped at the end of life
        await(() -> spoolHas("m1", 4));
        assertThat(next("m1")).isEqualTo(T.plus(Duration.ofMinutes(55)));
        clock.advance(Duration.ofMinutes(20));
        await(() -> spoolHas("m1", 5));
        assertThat(next("m1")).isEqualTo(T.plus(Duration.ofHours(1)));
        clock.advance(Duration.ofMinutes(5)); // T+60m: the last try fails it
        await(() -> log.contains("m1 Completed") && log.contains("m1-F0 Completed"));

        assertThat(log).contains("m1 ** bob@example.net R=dnslookup T=remote_smtp: retry timeout exceeded (last: SMTP error"
                + " from remote mail server after RCPT TO:<bob@example.net>: 451 4.7.1 try later)");
        assertThat(log).contains("m1-F0 => alice@example.org R=dnslookup T=remote_smtp H=mx.test [127.0.0.1]"
                + " X=TLS1.3:TLS_AES_256_GCM_SHA384:256 C=\"250 2.0.0 Ok: queued as 42\"");
        assertThat(log.indexOf("m1-F0 <= <> R=m1 S=" + transport.callsFor("m1-F0").getFirst().content().length()))
                .isGreaterThan(log.indexOf("m1 ** bob@example.net R=dnslookup T=remote_smtp: retry timeout exceeded"
                        + " (last: SMTP error from remote mail server after RCPT TO:<bob@example.net>: 451 4.7.1 try later)"));
        assertThat(transport.callsFor("m1")).hasSize(6);
        String bounce = transport.callsFor("m1-F0").getFirst().content();
        assertThat(bounce).contains("From: Mail Delivery System <MAILER-DAEMON@mx.warden.test>")
                .contains("Final-Recipient: rfc822; bob@example.net").contains("Status: 4.4.7")
                .contains("try later").contains("Subject: queued");
    }

    private boolean spoolHas(String id, int deferrals) {
        try {
            return journalLines(id, JournalEvent.Deferred.class) >= deferrals;
        } catch (IOException e) {
            return false;
        }
    }

    private Instant next(String id) throws IOException {
        return ((RecipientState.Deferred) spool.state(id).recipients().getFirst().state()).nextAttempt();
    }

    @Test
    void aPermanentFailureIsBouncedOnceWhileTheOtherRecipientsAreDelivered() throws Exception {
        transport.answer((d, a) -> a.startsWith("carol") ? ScriptedTransport.failed(a, 550, "5.1.1", "no such user")
                : ScriptedTransport.delivered(a));
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"), new Recipient("carol@example.net"));
        start();
        await(() -> log.contains("m1 Completed") && log.contains("m1-F1 Completed"));
        assertThat(log).contains("m1 ** carol@example.net R=dnslookup T=remote_smtp: SMTP error from remote mail server"
                + " after RCPT TO:<carol@example.net>: 550 5.1.1 no such user");
        assertThat(transport.callsFor("m1-F1")).singleElement().satisfies(c -> {
            assertThat(c.addresses()).containsExactly("alice@example.org");
            assertThat(c.content()).contains("Final-Recipient: rfc822; carol@example.net").doesNotContain("rfc822; bob@");
        });
        assertThat(transport.calls).hasSize(2);
    }

    @Test
    void aCrashBetweenFailedAndReportedMakesTheReportAtTheNextStartAndNeverTwice() throws Exception {
        // crash 1: after the failure was journaled, before the report was made
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"), new Recipient("carol@example.net"));
        spool.append("m1", List.of(new JournalEvent.Delivered(T, 0, Optional.of("mx.test"), false, "250 ok"),
                new JournalEvent.Failed(T, 1, "5.1.1", Optional.of("mx.test"), "550 5.1.1 no such user")));
        // crash 2: after the report was queued, before the journal said so
        enqueue("m2", "alice@example.org", new Recipient("dave@example.net"));
        spool.append("m2", new JournalEvent.Failed(T, 0, "5.1.1", Optional.of("mx.test"), "550 5.1.1 gone"));
        spool.enqueue("m2-F0", "", MessageDsn.NONE, List.of(new Recipient("alice@example.org",
                new RecipientDsn(Set.of(Notify.NEVER), Optional.empty()))), ReceivedMessage.of("Subject: the first report\r\n\r\n".getBytes()));
        start();
        await(() -> Stream.of("m1", "m2", "m1-F1", "m2-F0").allMatch(id -> log.contains(id + " Completed")));
        assertThat(transport.callsFor("m1")).isEmpty(); // nothing left to deliver: bob was delivered before the crash
        assertThat(transport.callsFor("m1-F1")).singleElement().satisfies(c ->
                assertThat(c.content()).contains("Final-Recipient: rfc822; carol@example.net"));
        assertThat(transport.callsFor("m2-F0")).singleElement().satisfies(c ->
                assertThat(c.content()).startsWith("Subject: the first report"));
        assertThat(transport.calls).hasSize(2);
    }

    @Test
    void aRestartPicksUpTheQueueAndTriesDeferredMessagesOnlyWhenDue() throws Exception {
        enqueue("new", "alice@example.org", new Recipient("a@example.net"));
        enqueue("later", "alice@example.org", new Recipient("b@example.net"));
        spool.append("later", new JournalEvent.Deferred(T, 0, T.plus(Duration.ofMinutes(10)), Optional.empty(), "451 later"));
        enqueue("frozen", "alice@example.org", new Recipient("c@example.net"));
        spool.append("frozen", new JournalEvent.Frozen(T, "by admin"));
        start();
        await(() -> log.contains("new Completed"));
        Thread.sleep(100);
        assertThat(transport.callsFor("later")).isEmpty();
        assertThat(log).contains("queue: 3 messages in " + spool.queue() + " (1 frozen)");
        clock.advance(Duration.ofMinutes(10));
        await(() -> log.contains("later Completed"));
        assertThat(transport.callsFor("frozen")).isEmpty();
        assertThat(spool.contains("frozen")).isTrue();
    }

    @Test
    void theQueueToolsAreNoticedByTheRunningManagerWithinASecond() throws Exception {
        transport.answer((d, a) -> ScriptedTransport.deferred(a, 451, "4.3.0", "busy"));
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"));
        enqueue("m2", "alice@example.org", new Recipient("carol@example.net"));
        start(FAST, Duration.ofMillis(250));
        await(() -> transport.callsFor("m1").size() == 1 && transport.callsFor("m2").size() == 1);
        QueueAdmin admin = new QueueAdmin(spool, log::add);

        long t0 = System.nanoTime();
        assertThat(admin.retry("m1")).isTrue();
        await(() -> transport.callsFor("m1").size() == 2);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));

        assertThat(admin.freeze("m1")).isTrue();
        assertThat(admin.retryAll()).isEqualTo(2);
        await(() -> transport.callsFor("m2").size() == 2);
        Thread.sleep(600);
        assertThat(transport.callsFor("m1")).hasSize(2); // frozen: not tried, even by retry --all

        transport.answer((d, a) -> ScriptedTransport.delivered(a));
        assertThat(admin.thaw("m1")).isTrue();
        assertThat(admin.retry("m1")).isTrue();
        await(() -> log.contains("m1 Completed"));

        assertThat(admin.remove("m2")).isTrue();
        clock.advance(Duration.ofHours(1));
        Thread.sleep(600);
        assertThat(transport.callsFor("m2")).hasSize(2);
        assertThat(manager.scheduled()).isZero();
    }

    @Test
    void ourOwnRecipientsAreDeliveredToTheirMaildirAndUnknownOnesFail() throws Exception {
        enqueue("m1", "", new Recipient("postmaster@warden.test"), new Recipient("nobody@warden.test"));
        start();
        await(() -> log.contains("m1 Completed"));
        List<Path> files;
        try (Stream<Path> s = Files.list(dir.resolve("mail/postmaster/Maildir/new"))) {
            files = s.sorted().toList();
        }
        // the message itself, and the postmaster's copy of the failure (a bounce of a null-sender message)
        assertThat(files).isNotEmpty();
        assertThat(Files.readString(files.getFirst())).startsWith("Return-path: <>\nEnvelope-to: postmaster@warden.test\n"
                + "Delivery-date: ");
        assertThat(log).anyMatch(l -> l.startsWith("m1 => postmaster <postmaster@warden.test> R=virtual T=maildir P="
                + dir.resolve("mail/postmaster/Maildir/new")));
        assertThat(log).contains("m1 ** nobody@warden.test: 550 5.1.1 <nobody@warden.test>: no such user");
        assertThat(transport.calls).isEmpty();
    }

    @Test
    void whileOutboundIsHeldRemoteRecipientsAreDeferredWithTheReasonAndKept() throws Exception {
        problem = Optional.of("outbound delivery is off (outbound: false in /etc/warden.yaml)");
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"), new Recipient("alice@warden.test"));
        start();
        await(() -> log.contains("m1 == bob@example.net R=dnslookup T=remote_smtp defer: outbound delivery is off"
                + " (outbound: false in /etc/warden.yaml)"));
        assertThat(transport.calls).isEmpty();
        await(() -> log.stream().anyMatch(l -> l.startsWith("m1 => alice <alice@warden.test>")));
        assertThat(spool.contains("m1")).isTrue();
        problem = Optional.empty();
        clock.advance(Duration.ofMinutes(5));
        await(() -> log.contains("m1 Completed"));
    }

    @Test
    void notifySuccessIsReportedForAPeerWithoutDsnButNotWhenThePeerRelaysTheRequest() throws Exception {
        RecipientDsn success = new RecipientDsn(Set.of(Notify.SUCCESS), Optional.of("rfc822;bob@example.net"));
        transport.answer((d, a) -> {
            Outcome o = ScriptedTransport.delivered(a);
            boolean relayed = a.startsWith("carol");
            return new Outcome(o.kind(), a, o.host(), o.address(), o.tls(), o.code(), o.status(), o.text(), o.after(), relayed);
        });
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net", success), new Recipient("carol@example.net", success));
        start();
        await(() -> log.contains("m1 Completed") && log.contains("m1-S0 Completed"));
        assertThat(transport.callsFor("m1-S0")).singleElement().satisfies(c ->
                assertThat(c.content()).contains("Action: relayed").contains("rfc822;bob@example.net")
                        .doesNotContain("carol@"));
    }

    @Test
    void aDelayWarningIsSentOnceWhenConfigured() throws Exception {
        transport.answer((d, a) -> a.equals("alice@example.org") ? ScriptedTransport.delivered(a)
                : ScriptedTransport.deferred(a, 0, "", "connection refused"));
        enqueue("m1", "alice@example.org", new Recipient("bob@example.net"));
        start(new QueueSettings(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofDays(5), 20,
                Optional.of(Duration.ofMinutes(7))), Duration.ofMillis(20));
        await(() -> spoolHas("m1", 1));
        clock.advance(Duration.ofMinutes(5));
        await(() -> spoolHas("m1", 2));
        assertThat(transport.callsFor("m1-D0")).isEmpty();
        clock.advance(Duration.ofMinutes(2)); // T+7m: the warning, without an attempt
        await(() -> log.contains("m1-D0 Completed"));
        assertThat(transport.callsFor("m1")).hasSize(2);
        assertThat(transport.callsFor("m1-D0").getFirst().content()).contains("Action: delayed");
        clock.advance(Duration.ofMinutes(10));
        await(() -> spoolHas("m1", 3));
        Thread.sleep(100);
        assertThat(transport.calls.stream().filter(c -> c.id().startsWith("m1-D"))).hasSize(1);
    }

    @Test
    void whatAPeerSaysIsEscapedInTheLog() throws Exception {
        transport.answer((d, a) -> new Outcome(Outcome.Kind.FAILED, a, Optional.of("evil\r\nhost"),
                Optional.of(InetAddress.getLoopbackAddress()), Optional.empty(), 550, "5.7.1",
                "no\r\n2026-11-24 12:00:00 m9 => forged@example.net", "RCPT TO:<" + a + ">", false));
        enqueue("m1", "", new Recipient("bob@example.net"));
        start();
        await(() -> log.contains("m1 Completed"));
        assertThat(log).allSatisfy(l -> assertThat(l).doesNotContain("\r").doesNotContain("\n"));
        assertThat(log).anyMatch(l -> l.contains("550 5.7.1 no\\x0d\\x0a2026-11-24 12:00:00 m9 => forged@example.net"));
    }

    @Test
    void anAliasOfOursThatLeadsOutIsForwardedAsANewMessageOnceEvenAfterACrash() throws Exception {
        enqueue("m1", "alice@example.org", new Recipient("list@warden.test"));
        // m2's forwarded copy was queued just before a crash, its journal line lost
        enqueue("m2", "alice@example.org", new Recipient("list@warden.test"));
        spool.enqueue("m2-A0", "alice@example.org", MessageDsn.NONE, List.of(new Recipient("far@example.net")),
                ReceivedMessage.of("Subject: the first copy\r\n\r\n".getBytes(StandardCharsets.UTF_8)));
        start();
        await(() -> Stream.of("m1", "m1-A0", "m2", "m2-A0").allMatch(id -> log.contains(id + " Completed")));
        assertThat(transport.callsFor("m1-A0")).singleElement().satisfies(c -> {
            assertThat(c.addresses()).containsExactly("far@example.net");
            assertThat(c.content()).isEqualTo(BODY);
        });
        assertThat(transport.callsFor("m2-A0")).singleElement().satisfies(c ->
                assertThat(c.content()).startsWith("Subject: the first copy"));
        assertThat(transport.calls).hasSize(2);
        assertThat(log).anyMatch(l -> l.startsWith("m1 => bob <list@warden.test> R=virtual T=maildir"));
        assertThat(log).contains("m1-A0 <= <alice@example.org> R=m1 S=" + BODY.length());
    }
}
