package warden.policy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.greylist.Greylist;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;
import warden.greylist.GreylistStore;
import warden.greylist.RedisGreylistStore;
import warden.greylist.RedisServer;
import warden.greylist.SqliteGreylistStore;
import warden.policy.bounce.BounceRecipients;
import warden.policy.dnsbl.DnsList;
import warden.policy.dnsbl.DnsLists;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/**
 * The engine's second and third front lines over whole dialogues: greylisting (RCPT, and DATA for
 * bounces) on a real SQLite file and a real Redis, DNS blacklists and whitelists from a real DNS
 * server, bogus bounces from real files, and the DATA checks. Time moves by a {@link TestClock}.
 */
@Timeout(60)
class FrontLinesPolicyTest {

    static final OwnIdentity US = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch", "moser-naef.ch"),
            Set.of(ip("192.0.2.25")));
    static final String MESSAGE = "Date: Tue, 24 Nov 2026 12:00:00 +0000\r\nFrom: Alice <a@example.net>\r\n"
            + "To: bob@herzbube.ch\r\nSubject: hello\r\n\r\nHi Bob\r\n";
    static final String BOUNCE = "Date: Tue, 24 Nov 2026 12:00:00 +0000\r\nFrom: MAILER-DAEMON@example.net\r\n"
            + "Subject: Undelivered Mail Returned to Sender\r\n\r\nsorry\r\n";

    static TestDnsServer dns;
    static Resolver resolver;

    @TempDir
    Path dir;

    final List<String> log = new CopyOnWriteArrayList<>();
    final TestClock clock = new TestClock();
    GreylistStore store;
    Path whitelist;
    Path bounces;

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 0, 1000, new warden.testing.TestClock());
        dns.ptr(ip("203.0.113.9"), "mail.example.net").a("mail.example.net", "203.0.113.9")
           .ptr(ip("54.240.8.30"), "a8-30.smtp-out.amazonses.com").a("a8-30.smtp-out.amazonses.com", "54.240.8.30")
           .ptr(ip("203.0.113.66"), "a9-9.smtp-out.amazonses.com") // claims the name, not confirmed
           // 192.0.2.99 on both blacklists, 192.0.2.50 on one, 192.0.2.77 on both but whitelisted
           .a("99.2.0.192.bl1.test", "127.0.0.2").txt("99.2.0.192.bl1.test", "https://bl1.test/why?192.0.2.99")
           .a("99.2.0.192.bl2.test", "127.0.0.4").txt("99.2.0.192.bl2.test", "https://bl2.test/ip/192.0.2.99")
           .a("50.2.0.192.bl1.test", "127.0.0.2")
           .a("77.2.0.192.bl1.test", "127.0.0.2").a("77.2.0.192.bl2.test", "127.0.0.2").a("77.2.0.192.wl.test", "127.0.10.3")
           // 192.0.2.44: a list refusing us (open resolver) and one timing out: never a listing
           .a("44.2.0.192.bl1.test", "127.255.255.254").servfail("44.2.0.192.bl2.test");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @BeforeEach
    void files() throws Exception {
        store = new SqliteGreylistStore(dir.resolve("greylist.sqlite"), clock, Duration.ZERO);
        whitelist = dir.resolve("whitelist-hosts");
        Files.writeString(whitelist, "*.amazonses.com\n");
        bounces = Files.createDirectories(dir.resolve("bounce-rcpts"));
        Files.writeString(bounces.resolve("moser-naef.ch"), "postmaster\npatrick\nfrancesca\nfm\n");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private FrontLines lines(boolean greylist) {
        FrontLines l = FrontLines.none(resolver)
                .withDnsLists(new DnsLists(2, List.of(DnsList.of("bl1.test"), DnsList.of("bl2.test")),
                        List.of(DnsList.of("wl.test")), resolver, log::add))
                .withBounceRecipients(new BounceRecipients(bounces, log::add));
        return greylist ? l.withGreylist(new Greylist(store, GreylistSettings.defaults(), clock), true) : l;
    }

    private PolicyEngine engine(boolean greylist) {
        return new DialoguePolicy(PolicySettings.defaults(US).withWhitelist(whitelist), resolver, log::add, lines(greylist));
    }

    /** One connection's policy session with its snapshot builder, greeted and past MAIL. */
    private record Session(PolicySession policy, Snapshots s) {
        Decision rcpt(String recipient) { return policy.decide(s.rcpt(recipient)); }
        Decision data(String message) { return policy.decide(s.data(message)); }
    }

    private static Session mail(PolicyEngine engine, String client, String sender) {
        return mail(engine, client, sender, Snapshots.client(client));
    }

    private static Session mail(PolicyEngine engine, String client, String sender, Snapshots s) {
        PolicySession p = engine.open(ip(client));
        p.decide(s.at(Stage.CONNECT));
        p.decide(s.helo("mail.example.net").at(Stage.HELO));
        p.decide(s.mail(sender).at(Stage.MAIL));
        return new Session(p, s);
    }

    private static int code(Decision d) {
        return d.refusal().map(r -> r.code()).orElse(250);
    }

    // --- greylisting alone (postgrey's job behind the Postfix door): no DNS about the client

    @Test
    void greylistingAloneAsksNoDnsAboutTheClientUnlessTheWhitelistNeedsItsName() {
        FrontLines greylistOnly = FrontLines.none(resolver).withGreylist(new Greylist(store, GreylistSettings.defaults(), clock), true);
        PolicyEngine alone = new DialoguePolicy(PolicySettings.off(US), resolver, log::add, greylistOnly);
        int before = dns.ptrQueries(ip("192.0.2.201"));
        assertThat(code(mail(alone, "192.0.2.201", "alice@example.net").rcpt("patrick@moser-naef.ch"))).isEqualTo(451);
        assertThat(dns.ptrQueries(ip("192.0.2.201"))).isEqualTo(before);

        // A whitelist may name hosts: then the client's name is looked up, and a listed one passes.
        PolicyEngine withWhitelist = new DialoguePolicy(PolicySettings.off(US).withWhitelist(whitelist), resolver, log::add, greylistOnly);
        assertThat(code(mail(withWhitelist, "54.240.8.30", "ses@amazonses.com").rcpt("patrick@moser-naef.ch"))).isEqualTo(250);
        assertThat(code(mail(withWhitelist, "192.0.2.202", "alice@example.net").rcpt("patrick@moser-naef.ch"))).isEqualTo(451);
        assertThat(dns.ptrQueries(ip("192.0.2.202"))).isPositive();
    }

    // --- greylisting: seed 004's second front line

    @Test
    void aNewTripletIsDeferredWithTheSeedsTextThenPassesAfterTheDelayWithAnXGreylistHeader() {
        PolicyEngine engine = engine(true);
        Decision first = mail(engine, "203.0.113.9", "a@example.net").rcpt("bob@herzbube.ch");
        assertThat(first.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(451);
            assertThat(r.status()).isEqualTo("4.7.1");
            assertThat(r.lines()).containsExactly(
                    "203.0.113.9 is not yet authorized to deliver mail from <a@example.net> to <bob@herzbube.ch>. Please try later.");
        });
        assertThat(first.disconnect()).isFalse();
        assertThat(first.findings()).anySatisfy(f -> {
            assertThat(f.check()).isEqualTo("greylist");
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.FAIL);
        });

        clock.advance(Duration.ofSeconds(30));
        assertThat(code(mail(engine, "203.0.113.9", "a@example.net").rcpt("bob@herzbube.ch"))).as("too early").isEqualTo(451);

        clock.advance(Duration.ofSeconds(43));
        Session retry = mail(engine, "203.0.113.9", "a@example.net");
        assertThat(retry.rcpt("bob@herzbube.ch").refusal()).isEmpty();
        Decision data = retry.data(MESSAGE);
        assertThat(data.refusal()).isEmpty();
        assertThat(data.headers()).contains("X-Greylist: delayed 73 seconds by Warden");

        clock.advance(Duration.ofHours(2));
        Session later = mail(engine, "203.0.113.9", "A@Example.NET");
        assertThat(later.rcpt("bob@herzbube.ch").refusal()).as("white now, whatever the case").isEmpty();
        assertThat(later.data(MESSAGE).headers()).as("never delayed this time").noneMatch(h -> h.startsWith("X-Greylist"));
        // another address of the same /24 shares the triplet
        assertThat(mail(engine, "203.0.113.200", "a@example.net").rcpt("bob@herzbube.ch").refusal()).isEmpty();
    }

    @Test
    void bouncesAreGreylistedAtDataOverAllTheirRecipientsNotAtRcpt() {
        PolicyEngine engine = engine(true);
        Session bounce = mail(engine, "203.0.113.9", "");
        Decision rcpt = bounce.rcpt("bob@herzbube.ch");
        assertThat(rcpt.refusal()).as("a sender callout must not be greylisted").isEmpty();
        assertThat(rcpt.findings()).anySatisfy(f -> assertThat(f.reason()).contains("greylisted at DATA"));
        assertThat(bounce.rcpt("Alice@herzbube.ch").refusal()).isEmpty();
        Decision data = bounce.data(BOUNCE);
        assertThat(data.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(451);
            assertThat(r.lines()).containsExactly("203.0.113.9 is not yet authorized to send delivery status reports to "
                    + "<alice@herzbube.ch,bob@herzbube.ch>. Please try later.");
        });

        clock.advance(Duration.ofMinutes(5));
        Session again = mail(engine, "203.0.113.9", "");
        again.rcpt("alice@herzbube.ch");
        again.rcpt("bob@herzbube.ch");
        Decision passed = again.data(BOUNCE);
        assertThat(passed.refusal()).as("recipients in another order are the same triplet").isEmpty();
        assertThat(passed.headers()).contains("X-Greylist: delayed 300 seconds by Warden");
    }

    @Test
    void aBlacklistedTripletIsDeniedWithTheSeedsText() {
        new GreylistAdmin(store, GreylistSettings.defaults(), clock)
                .add(GreylistState.BLACK, List.of("198.51.100.7", "spam@bad.example", "victim@herzbube.ch"));
        Decision d = mail(engine(true), "198.51.100.7", "spam@bad.example").rcpt("victim@herzbube.ch");
        assertThat(d.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.lines()).containsExactly(
                    "198.51.100.7 is blacklisted from delivering mail from <spam@bad.example> to <victim@herzbube.ch>.");
        });
        assertThat(log).anySatisfy(l -> assertThat(l).contains("greylist: blacklisted"));
    }

    @Test
    void relayAuthenticatedWhitelistedAndDnswlClientsAreNeverGreylisted() {
        PolicyEngine engine = engine(true);
        assertThat(mail(engine, "203.0.113.9", "a@example.net", Snapshots.client("203.0.113.9").relay())
                .rcpt("bob@herzbube.ch").refusal()).as("relay_networks").isEmpty();
        assertThat(mail(engine, "203.0.113.9", "a@example.net", Snapshots.client("203.0.113.9").authenticated("alice"))
                .rcpt("bob@herzbube.ch").refusal()).as("authenticated").isEmpty();
        assertThat(mail(engine, "54.240.8.30", "bounce@amazonses.example", Snapshots.client("54.240.8.30"))
                .rcpt("bob@herzbube.ch").refusal()).as("*.amazonses.com, forward-confirmed").isEmpty();
        assertThat(mail(engine, "192.0.2.77", "a@example.net").rcpt("bob@herzbube.ch").refusal())
                .as("on a DNS whitelist, and so spared two blacklists too").isEmpty();
        assertThat(store.entries()).as("nothing was recorded for any of them").isEmpty();

        assertThat(code(mail(engine, "203.0.113.66", "bounce@amazonses.example").rcpt("bob@herzbube.ch")))
                .as("a PTR that only claims amazonses.com").isEqualTo(451);
    }

    @Test
    void theWhitelistFileIsReadAgainOnEveryUse() throws Exception {
        PolicyEngine engine = engine(true);
        assertThat(code(mail(engine, "203.0.113.9", "a@example.net").rcpt("bob@herzbube.ch"))).isEqualTo(451);
        Files.writeString(whitelist, "*.amazonses.com\n203.0.113.0/24\n");
        Files.setLastModifiedTime(whitelist, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(mail(engine, "203.0.113.9", "a@example.net").rcpt("carol@herzbube.ch").refusal()).isEmpty();
    }

    @Test
    void concurrentSessionsOnOneTripletAreAllDeferredThenAllPass() throws Exception {
        PolicyEngine engine = engine(true);
        List<Integer> codes = rcptInParallel(engine, 16);
        assertThat(codes).hasSize(16).containsOnly(451);
        assertThat(store.entries()).hasSize(1).allSatisfy((key, e) -> {
            assertThat(e.state()).isEqualTo(GreylistState.GREY);
            assertThat(e.requests()).isEqualTo(16);
        });
        clock.advance(Duration.ofMinutes(2));
        assertThat(rcptInParallel(engine, 16)).containsOnly(250);
        assertThat(store.entries()).hasSize(1).allSatisfy((key, e) -> assertThat(e.state()).isEqualTo(GreylistState.WHITE));
    }

    private static List<Integer> rcptInParallel(PolicyEngine engine, int sessions) throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> all = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                all.add(threads.submit(() -> code(mail(engine, "203.0.113.9", "a@example.net").rcpt("bob@herzbube.ch"))));
            }
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> f : all) codes.add(f.get());
            return codes;
        }
    }

    @Test
    void aRestartKeepsTheGreylist() {
        assertThat(code(mail(engine(true), "203.0.113.9", "a@example.net").rcpt("bob@herzbube.ch"))).isEqualTo(451);
        store.close();
        store = new SqliteGreylistStore(dir.resolve("greylist.sqlite"), clock, Duration.ZERO);
        clock.advance(Duration.ofMinutes(2));
        Session after = mail(engine(true), "203.0.113.9", "a@example.net");
        assertThat(after.rcpt("bob@herzbube.ch").refusal()).isEmpty();
        assertThat(after.data(MESSAGE).headers()).contains("X-Greylist: delayed 120 seconds by Warden");
    }

    @Test
    void reportModeOnlyPeeksAtTheGreylist() {
        PolicyEngine engine = new DialoguePolicy(PolicySettings.defaults(US).withMode(PolicySettings.Mode.REPORT), resolver,
                log::add, lines(true));
        assertThat(mail(engine, "203.0.113.9", "a@example.net").rcpt("bob@herzbube.ch").refusal()).isEmpty();
        assertThat(store.entries()).isEmpty();
        assertThat(log).anySatisfy(l -> assertThat(l).contains("report: would refuse").contains("greylisted"));
    }

    @Test
    void aRedisThatGoesAwayWhileSessionsRunIsAcceptedAndLoggedThenDeferredIfSoConfigured() throws Exception {
        try (RedisServer redis = RedisServer.start();
             RedisGreylistStore shared = new RedisGreylistStore(redis.uri(), clock)) {
            PolicyEngine engine = new DialoguePolicy(PolicySettings.defaults(US), resolver, log::add,
                    lines(false).withGreylist(new Greylist(shared, GreylistSettings.defaults(), clock), true));
            PolicyEngine strict = new DialoguePolicy(PolicySettings.defaults(US), resolver, log::add, lines(false)
                    .withGreylist(new Greylist(shared, GreylistSettings.defaults()
                            .withOnStoreFailure(GreylistSettings.OnStoreFailure.DEFER), clock), true));
            // sessions open before the outage, RCPT after it
            List<Session> open = new ArrayList<>();
            for (int i = 0; i < 8; i++) open.add(mail(engine, "203.0.113.9", "a" + i + "@example.net"));
            assertThat(code(open.getFirst().rcpt("bob@herzbube.ch"))).isEqualTo(451);
            redis.kill();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Decision>> rcpts = new ArrayList<>();
                for (Session s : open.subList(1, open.size())) rcpts.add(threads.submit(() -> s.rcpt("bob@herzbube.ch")));
                for (Future<Decision> f : rcpts) {
                    Decision d = f.get();
                    assertThat(d.refusal()).as("accepted while the store is down").isEmpty();
                    assertThat(d.findings()).anySatisfy(x -> assertThat(x.outcome()).isEqualTo(Finding.Outcome.TEMPFAIL));
                }
            }
            assertThat(log).anySatisfy(l -> assertThat(l).contains("greylist store is unavailable")
                    .contains("accepting without greylisting"));
            Decision deferred = mail(strict, "203.0.113.9", "z@example.net").rcpt("bob@herzbube.ch");
            assertThat(deferred.refusal()).as("on_store_failure: defer").hasValueSatisfying(r -> {
                assertThat(r.code()).isEqualTo(451);
                assertThat(r.status()).isEqualTo("4.3.0");
            });

            redis.launch();
            assertThat(code(mail(engine, "203.0.113.9", "back@example.net").rcpt("bob@herzbube.ch")))
                    .as("greylisting again once Redis is back, no restart").isEqualTo(451);
        }
    }

    // --- DNS blacklists and whitelists

    @Test
    void twoBlacklistsDropTheConnectionAfterTwentySecondsWithTheSeedsMessage() {
        Decision d = mail(engine(true), "192.0.2.99", "a@example.net").rcpt("bob@herzbube.ch");
        assertThat(d.disconnect()).isTrue();
        assertThat(d.delay()).isGreaterThanOrEqualTo(Duration.ofSeconds(20));
        assertThat(d.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.7.1");
            assertThat(r.lines()).containsExactly("Access denied - 192.0.2.99 is listed by two DNS blacklists",
                    "1) bl1.test", "https://bl1.test/why?192.0.2.99", "2) bl2.test", "https://bl2.test/ip/192.0.2.99");
        });
        assertThat(log).anySatisfy(l -> assertThat(l).contains("dnsbl-listed fail").contains("192.0.2.99 is blacklisted by bl1.test and bl2.test"));
        assertThat(store.entries()).as("refused mail leaves no triplet").isEmpty();
    }

    @Test
    void oneBlacklistDelaysAndMarksTheMessageAndTheListsAreAskedOncePerConnection() {
        PolicyEngine engine = engine(false);
        int before = dns.queries("50.2.0.192.bl1.test");
        Session s = mail(engine, "192.0.2.50", "a@example.net");
        Decision first = s.rcpt("bob@herzbube.ch");
        assertThat(first.refusal()).isEmpty();
        assertThat(first.delay()).isGreaterThanOrEqualTo(Duration.ofSeconds(20));
        assertThat(first.headers()).contains("X-DNSbl-Warning: 192.0.2.50 is blacklisted by bl1.test");
        Decision second = s.rcpt("alice@herzbube.ch");
        assertThat(second.delay()).as("stalled at every RCPT, as the seed's warn block does").isGreaterThanOrEqualTo(Duration.ofSeconds(20));
        assertThat(second.headers()).contains("X-DNSbl-Warning: 192.0.2.50 is blacklisted by bl1.test");
        assertThat(dns.queries("50.2.0.192.bl1.test") - before).as("A and TXT, once per connection").isEqualTo(2);
    }

    @Test
    void postmasterStaysReachableForAListedClient() {
        Decision d = mail(engine(false), "192.0.2.99", "a@example.net").rcpt("postmaster@herzbube.ch");
        assertThat(d.refusal()).isEmpty();
    }

    @Test
    void refusalCodesAndDnsFailuresNeverRefuse() {
        Decision d = mail(engine(false), "192.0.2.44", "a@example.net").rcpt("bob@herzbube.ch");
        assertThat(d.refusal()).isEmpty();
        assertThat(d.headers()).noneMatch(h -> h.startsWith("X-DNSbl"));
        assertThat(log).anySatisfy(l -> assertThat(l).contains("bl1.test answered 127.255.255.254"))
                .anySatisfy(l -> assertThat(l).contains("bl2.test: temporary DNS failure"));
    }

    @Test
    void authenticatedClientsAreNotLookedUp() {
        int before = dns.queries("99.2.0.192.bl1.test");
        Decision d = mail(engine(false), "192.0.2.99", "a@example.net", Snapshots.client("192.0.2.99").authenticated("alice"))
                .rcpt("someone@elsewhere.example");
        assertThat(d.refusal()).isEmpty();
        assertThat(dns.queries("99.2.0.192.bl1.test")).isEqualTo(before);
    }

    // --- bogus bounces

    @Test
    void aBogusBounceIsDeniedForThatRecipientOnly() {
        Session s = mail(engine(true), "203.0.113.9", "");
        Decision bogus = s.rcpt("info@moser-naef.ch");
        assertThat(bogus.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.lines()).containsExactly(
                    "This address never sends outgoing mail. You are responding to a forged sender address.");
        });
        assertThat(bogus.disconnect()).isFalse();
        assertThat(s.rcpt("patrick@moser-naef.ch").refusal()).as("not sticky").isEmpty();
        assertThat(log).anySatisfy(l -> assertThat(l).contains("bogus-bounce fail").contains("<info@moser-naef.ch>"));
    }

    // --- DATA checks

    @Test
    void aBrokenHeaderIsRefusedWith550_5_6_0AndTheNextMessageIsJudgedAfresh() {
        Session s = mail(engine(false), "203.0.113.9", "a@example.net");
        s.rcpt("bob@herzbube.ch");
        Decision bad = s.data("Date: Tue, 24 Nov 2026 12:00:00 +0000\r\nFrom: Alice <a@example.net\r\n\r\nbody\r\n");
        assertThat(bad.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.6.0");
            assertThat(r.lines().getFirst()).contains("From:").contains("not closed with '>'");
        });
        assertThat(bad.disconnect()).isFalse();
        s.policy().decide(s.s().mail("a@example.net").at(Stage.MAIL));
        assertThat(s.rcpt("bob@herzbube.ch").refusal()).as("a message's fault does not stick").isEmpty();
        assertThat(s.data(MESSAGE).refusal()).isEmpty();
    }

    @Test
    void aMessageWithoutDateOrMessageIdIsAcceptedAndTheMissingDateLogged() {
        Session s = mail(engine(false), "203.0.113.9", "a@example.net");
        s.rcpt("bob@herzbube.ch");
        Decision d = s.data("From: Alice <a@example.net>\r\nTo: bob@herzbube.ch\r\nSubject: no date, no id\r\n\r\nbody\r\n");
        assertThat(d.refusal()).isEmpty();
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.check()).isEqualTo("header-missing-date");
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.FAIL);
        });
        assertThat(log).anySatisfy(l -> assertThat(l).contains("header-missing-date fail"));
    }

    @Test
    void aLoopIsRefusedEvenForARelayClient() {
        String looping = "Received: from a\r\n".repeat(51) + MESSAGE;
        Session relay = mail(engine(false), "203.0.113.9", "a@example.net", Snapshots.client("203.0.113.9").relay());
        relay.rcpt("bob@herzbube.ch");
        assertThat(relay.data(looping).refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(554);
            assertThat(r.status()).isEqualTo("5.4.6");
        });
        assertThat(relay.data("Subject: no From or Date\r\n\r\nx\r\n").refusal()).as("but no header check for it").isEmpty();
    }
}
