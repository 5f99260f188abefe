package warden.policy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.dns.DnsAnswer;
import warden.dns.DnsjavaResolver;
import warden.dns.MxHost;
import warden.dns.Resolver;
import warden.policy.PolicySettings.Mode;
import warden.policy.PolicySettings.RejectAt;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/**
 * The engine over whole dialogues: sticky punishments, delays that repeat and add up, report mode,
 * where refusals are given, exemptions, postmaster, and temporary failures. DNS comes from a real
 * server on 127.0.0.1.
 */
@Timeout(60)
class DialoguePolicyTest {

    static final OwnIdentity US = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch", "example.org"),
            Set.of(ip("192.0.2.25")));
    static final Duration D20 = Duration.ofSeconds(20);

    static TestDnsServer dns;
    static Resolver resolver;

    final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 1000, new TestClock());
        // a well-configured sender (seed 001's advice followed)
        dns.ptr(ip("203.0.113.9"), "mail.example.net").a("mail.example.net", "203.0.113.9")
           .ptr(ip("2001:db8::9"), "v6.example.net").aaaa("v6.example.net", "2001:db8::9")
           // Amazon SES host, forward-confirmed, and an impostor whose PTR only claims the name
           .ptr(ip("54.240.8.30"), "a8-30.smtp-out.amazonses.com").a("a8-30.smtp-out.amazonses.com", "54.240.8.30")
           .ptr(ip("203.0.113.66"), "a9-9.smtp-out.amazonses.com")
           // Microsoft bigfish: FCrDNS fine, HELO name does not resolve (fail2ban #125)
           .ptr(ip("203.0.113.30"), "mail.bigfish.com").a("mail.bigfish.com", "203.0.113.30")
           .ptr(ip("203.0.113.31"), "mail.nuance.com").a("mail.nuance.com", "203.0.113.31")
           .a("outbound.o365.example.com", "127.0.0.1")
           .ptr(ip("203.0.113.32"), "mail.o365.example.com").a("mail.o365.example.com", "203.0.113.32")
           .servfail("broken.example.net")
           .servfail("77.113.0.203.in-addr.arpa");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private PolicyEngine engine(PolicySettings settings) {
        return new DialoguePolicy(settings, resolver, log::add);
    }

    private PolicyEngine engine() {
        return engine(PolicySettings.defaults(US));
    }

    private static int code(Decision d) {
        return d.refusal().map(r -> r.code()).orElse(250);
    }

    /** Connect, greet, MAIL, and one RCPT; returns the four decisions. */
    private static List<Decision> dialogue(PolicyEngine engine, String client, String helo, String rcpt) {
        PolicySession session = engine.open(ip(client));
        Snapshots s = Snapshots.client(client);
        Decision connect = session.decide(s.at(Stage.CONNECT));
        Decision greet = session.decide(s.helo(helo).at(Stage.HELO));
        Decision mail = session.decide(s.mail("someone@example.net").at(Stage.MAIL));
        Decision rcptDecision = session.decide(s.rcpt(rcpt));
        return List.of(connect, greet, mail, rcptDecision);
    }

    // --- seed 004's gross violations: delay, then deny, sticky

    @Test
    void bareIpIsDelayedThenDeniedAtRcptAndANewHeloDoesNotWashIt() {
        PolicySession session = engine().open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9");
        Decision connect = session.decide(s.at(Stage.CONNECT));
        assertThat(connect.delay()).as("FCrDNS client").isZero();
        assertThat(connect.findings()).extracting(Finding::outcome).isNotEmpty().containsOnly(Finding.Outcome.PASS);

        Decision helo = session.decide(s.helo("1.2.3.4").at(Stage.HELO));
        assertThat(helo.delay()).isEqualTo(D20);
        assertThat(helo.refusal()).as("held until RCPT").isEmpty();

        Decision again = session.decide(s.helo("mail.example.net").at(Stage.HELO));
        assertThat(again.delay()).as("the new HELO itself is fine").isZero();
        assertThat(again.refusal()).isEmpty();

        Decision mail = session.decide(s.mail("a@example.net").at(Stage.MAIL));
        assertThat(mail.delay()).as("the sticky delay repeats at MAIL").isEqualTo(D20);
        assertThat(mail.refusal()).isEmpty();

        Decision rcpt = session.decide(s.rcpt("bob@herzbube.ch"));
        assertThat(rcpt.delay()).isEqualTo(D20);
        assertThat(rcpt.refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.7.1");
            assertThat(r.lines().getFirst()).contains("\"1.2.3.4\"").contains("bare IP");
        });
        assertThat(rcpt.disconnect()).isFalse();
        assertThat(rcpt.findings()).extracting(Finding::check).contains("helo-bare-ip");

        Decision second = session.decide(s.rcpt("alice@herzbube.ch"));
        assertThat(code(second)).as("every recipient").isEqualTo(550);
    }

    @Test
    void rejectAtHeloRefusesAtOnceAndEveryLaterHeloToo() {
        PolicySession session = engine(PolicySettings.defaults(US).withRejectAt(RejectAt.HELO)).open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9");
        session.decide(s.at(Stage.CONNECT));
        Decision helo = session.decide(s.helo("1.2.3.4").at(Stage.HELO));
        assertThat(code(helo)).isEqualTo(550);
        assertThat(helo.delay()).as("delay, then deny").isEqualTo(D20);

        Decision again = session.decide(s.helo("mail.example.net").at(Stage.HELO));
        assertThat(code(again)).as("seed 004: all further attempts are rejected").isEqualTo(550);
        assertThat(code(session.decide(s.mail("a@example.net").at(Stage.MAIL)))).isEqualTo(550);
    }

    @Test
    void ourDomainIsDeniedButAHostInItOnlyDelayed() {
        assertThat(code(dialogue(engine(), "203.0.113.9", "herzbube.ch", "bob@herzbube.ch").get(3))).isEqualTo(550);
        List<Decision> sub = dialogue(engine(), "203.0.113.9", "www.herzbube.ch", "bob@herzbube.ch");
        assertThat(code(sub.get(3))).isEqualTo(250);
        assertThat(sub.get(1).delay()).isPositive();
    }

    @Test
    void mailWithoutGreetingIsDelayedThenDenied() {
        PolicySession session = engine().open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9");
        session.decide(s.at(Stage.CONNECT));
        Decision mail = session.decide(s.mail("a@example.net").at(Stage.MAIL));
        assertThat(mail.delay()).isEqualTo(D20);
        assertThat(mail.refusal()).isEmpty();
        Decision rcpt = session.decide(s.rcpt("bob@herzbube.ch"));
        assertThat(code(rcpt)).isEqualTo(550);
        assertThat(rcpt.refusal().orElseThrow().lines().getFirst()).contains("without HELO");
    }

    @Test
    void dropClosesTheConnection() {
        PolicySettings settings = PolicySettings.defaults(US).withAction("helo-our-hostname", Action.DROP);
        Decision rcpt = dialogue(engine(settings), "203.0.113.9", "mail.herzbube.ch", "bob@herzbube.ch").get(3);
        assertThat(code(rcpt)).isEqualTo(550);
        assertThat(rcpt.disconnect()).isTrue();
    }

    // --- light violations: delays that repeat and add up

    @Test
    void delaysRepeatAtMailAndEveryRcptAndAddUp() {
        // no PTR (connect: 20s), single-label HELO (20s)
        PolicySession session = engine().open(ip("203.0.113.99"));
        Snapshots s = Snapshots.client("203.0.113.99");
        assertThat(session.decide(s.at(Stage.CONNECT)).delay()).isEqualTo(D20);
        assertThat(session.decide(s.helo("DESKTOP3507CDS").at(Stage.HELO)).delay()).isEqualTo(D20);
        assertThat(session.decide(s.mail("a@example.net").at(Stage.MAIL)).delay()).isEqualTo(Duration.ofSeconds(40));
        Decision first = session.decide(s.rcpt("bob@herzbube.ch"));
        Decision second = session.decide(s.rcpt("alice@herzbube.ch"));
        assertThat(first.delay()).isEqualTo(Duration.ofSeconds(40));
        assertThat(second.delay()).isEqualTo(Duration.ofSeconds(40));
        assertThat(code(first)).as("light violations never refuse").isEqualTo(250);
        assertThat(session.decide(s.at(Stage.DATA)).delay()).as("not repeated at DATA").isZero();
    }

    @Test
    void aNewHeloReplacesTheLightFindingsOfTheOldOne() {
        PolicySession session = engine().open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9");
        session.decide(s.at(Stage.CONNECT));
        assertThat(session.decide(s.helo("DESKTOP3507CDS").at(Stage.HELO)).delay()).isEqualTo(D20);
        assertThat(session.decide(s.helo("mail.example.net").at(Stage.HELO)).delay()).isZero();
        assertThat(session.decide(s.mail("a@example.net").at(Stage.MAIL)).delay()).isZero();
    }

    @Test
    void delaysAreCappedBelowTheClientsTimeout() {
        PolicySettings settings = PolicySettings.defaults(US)
                .withDelay("client-no-ptr", Duration.ofMinutes(3))
                .withDelay("helo-not-fqdn", Duration.ofMinutes(3));
        List<Decision> d = dialogue(engine(settings), "203.0.113.99", "DESKTOP3507CDS", "bob@herzbube.ch");
        assertThat(d.get(2).delay()).isEqualTo(PolicySettings.DELAY_LIMIT);
        assertThat(d.get(3).delay()).isEqualTo(Duration.ofMinutes(4));

        List<Decision> capped = dialogue(engine(settings.withMaxDelay(Duration.ofSeconds(30))),
                "203.0.113.99", "DESKTOP3507CDS", "bob@herzbube.ch");
        assertThat(capped).allSatisfy(x -> assertThat(x.delay()).isLessThanOrEqualTo(Duration.ofSeconds(30)));
    }

    // --- report mode

    @Test
    void reportModeNeverEnforcesButSaysWhatItWouldHaveDone() {
        PolicySettings settings = PolicySettings.defaults(US).withMode(Mode.REPORT);
        List<Decision> d = dialogue(engine(settings), "203.0.113.99", "1.2.3.4", "bob@herzbube.ch");
        assertThat(d).allSatisfy(x -> {
            assertThat(x.refusal()).isEmpty();
            assertThat(x.delay()).isZero();
        });
        assertThat(log).anySatisfy(l -> assertThat(l).contains("report: would refuse rcpt with 550 5.7.1"));
        assertThat(log).anySatisfy(l -> assertThat(l).contains("helo-bare-ip").contains("would delay 20s, deny"));
        assertThat(d.get(3).headers()).anySatisfy(h -> assertThat(h)
                .startsWith("X-Helo-Check: helo-bare-ip fail (report: would delay 20s, deny); "));
        assertThat(d.get(3).headers()).anySatisfy(h -> assertThat(h).startsWith("X-Helo-Check: client-no-ptr fail"));
    }

    @Test
    void reportModeRunsChecksThatAreOff() {
        PolicySettings settings = PolicySettings.off(US).withMode(Mode.REPORT);
        Decision helo = dialogue(engine(settings), "203.0.113.9", "1.2.3.4", "bob@herzbube.ch").get(1);
        assertThat(helo.findings()).extracting(Finding::check).contains("helo-bare-ip", "helo-syntax");
    }

    @Test
    void headerModeAddsXHeloCheckForEveryNoteworthyFinding() {
        PolicySettings settings = PolicySettings.defaults(US).withHeloCheckHeader(true);
        List<Decision> d = dialogue(engine(settings), "203.0.113.30", "TX2EHSNDR001.bigfish.com", "bob@herzbube.ch");
        assertThat(d.get(3).headers()).anySatisfy(h -> assertThat(h)
                .isEqualTo("X-Helo-Check: helo-unresolvable fail; HELO \"TX2EHSNDR001.bigfish.com\" has no A, AAAA or MX record"
                        + " (the name does not exist)"));
        assertThat(d.get(3).headers()).allSatisfy(h -> assertThat(h).doesNotContain("\r").doesNotContain("\n"));
    }

    // --- exemptions

    @Test
    void relayClientsSkipEveryCheck() {
        PolicySession session = engine().open(ip("203.0.113.99"));
        Snapshots s = Snapshots.client("203.0.113.99").relay();
        Decision helo = session.decide(s.helo("1.2.3.4").at(Stage.HELO));
        assertThat(helo).isEqualTo(new Decision(Verdict.CONTINUE, Duration.ZERO, List.of(), helo.findings()));
        assertThat(helo.findings()).allSatisfy(f -> assertThat(f.outcome()).isEqualTo(Finding.Outcome.SKIP));
        assertThat(code(session.decide(s.rcpt("anyone@example.com")))).isEqualTo(250);
    }

    @Test
    void authenticatingAfterASloppyEhloIsForgiven() {
        PolicySession session = engine().open(ip("203.0.113.99"));
        Snapshots s = Snapshots.client("203.0.113.99");
        session.decide(s.at(Stage.CONNECT));
        session.decide(s.helo("localhost").at(Stage.HELO));
        s.authenticated("alice");
        Decision mail = session.decide(s.mail("alice@herzbube.ch").at(Stage.MAIL));
        assertThat(mail.delay()).isZero();
        assertThat(code(session.decide(s.rcpt("friend@example.com")))).isEqualTo(250);
    }

    @Test
    void whitelistNamesMatchOnlyForwardConfirmedNames(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("whitelist-hosts");
        Files.writeString(file, "# seed 004's whitelist\n*.amazonses.com\n");
        PolicyEngine engine = engine(PolicySettings.defaults(US).withWhitelist(file));

        assertThat(code(dialogue(engine, "54.240.8.30", "1.2.3.4", "bob@herzbube.ch").get(3)))
                .as("FCrDNS a8-30.smtp-out.amazonses.com").isEqualTo(250);
        assertThat(code(dialogue(engine, "203.0.113.66", "1.2.3.4", "bob@herzbube.ch").get(3)))
                .as("PTR claims a9-9.smtp-out.amazonses.com but it does not resolve back").isEqualTo(550);
    }

    @Test
    void whitelistIsReReadWhenItChanges(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("whitelist-hosts");
        Files.writeString(file, "192.0.2.0/24\n");
        PolicyEngine engine = engine(PolicySettings.defaults(US).withWhitelist(file));
        assertThat(code(dialogue(engine, "203.0.113.9", "1.2.3.4", "bob@herzbube.ch").get(3))).isEqualTo(550);

        Files.writeString(file, "192.0.2.0/24\n203.0.113.0/24  # our partner\nnot/an/entry\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(code(dialogue(engine, "203.0.113.9", "1.2.3.4", "bob@herzbube.ch").get(3))).isEqualTo(250);
        assertThat(log).anySatisfy(l -> assertThat(l).contains("whitelist-hosts:3:").contains("correct or remove it"));
    }

    @Test
    void aCheckCanBeTurnedOffForSomeClients() {
        PolicySettings settings = PolicySettings.defaults(US)
                .withCheck("helo-bare-ip", PolicySettings.defaults(US).check("helo-bare-ip").withExempt(HostList.of("203.0.113.0/24")));
        List<Decision> d = dialogue(engine(settings), "203.0.113.9", "1.2.3.4", "bob@herzbube.ch");
        assertThat(code(d.get(3))).isEqualTo(250);
        assertThat(d.get(1).findings()).anySatisfy(f -> {
            assertThat(f.check()).isEqualTo("helo-bare-ip");
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.SKIP);
        });
        assertThat(code(dialogue(engine(settings), "198.18.0.9", "1.2.3.4", "bob@herzbube.ch").get(3))).isEqualTo(550);
    }

    @Test
    void localhostIsTheBogusNameDelayFromOutsideAndNothingFromLoopback() {
        // user@localhost is a Maildir, so localhost is one of our mail domains; greeting with it is no forgery
        OwnIdentity us = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch", "localhost"), Set.of(ip("192.0.2.25")));
        List<Decision> outside = dialogue(engine(PolicySettings.defaults(us)), "203.0.113.9", "localhost", "bob@herzbube.ch");
        assertThat(code(outside.get(3))).isEqualTo(250);
        assertThat(outside.get(1).findings()).filteredOn(f -> f.outcome() == Finding.Outcome.FAIL)
                .extracting(Finding::check).contains("helo-bogus-name").doesNotContain("helo-our-domain");
        assertThat(outside.get(1).delay()).as("the documented bogus-name delay, and only it").isEqualTo(D20);

        PolicySession local = engine(PolicySettings.defaults(us)).open(ip("127.0.0.1"));
        Snapshots s = Snapshots.client("127.0.0.1")
                .identity(new warden.dns.ClientIdentity(ip("127.0.0.1"), List.of("localhost"), java.util.Optional.of("localhost"), false));
        assertThat(local.decide(s.at(Stage.CONNECT)).delay()).isZero();
        Decision helo = local.decide(s.helo("localhost").at(Stage.HELO));
        assertThat(helo.delay()).isZero();
        assertThat(helo.findings()).noneSatisfy(f -> assertThat(f.outcome()).isEqualTo(Finding.Outcome.FAIL));
        local.decide(s.mail("fetchmail@herzbube.ch").at(Stage.MAIL));
        assertThat(code(local.decide(s.rcpt("bob@herzbube.ch")))).isEqualTo(250);
    }

    // --- postmaster

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            postmaster at our domain                 | postmaster@herzbube.ch | 250
            Postmaster in another case               | PostMaster@Example.ORG | 250
            bare postmaster (RFC 5321 4.5.1)         | postmaster             | 250
            in angle brackets                        | <postmaster@herzbube.ch> | 250
            postmaster elsewhere is not ours         | postmaster@example.com | 550
            a long s is not an s (no Unicode folding) | po\u017Ftmaster@herzbube.ch | 550
            nor bare                                 | PO\u017FTMASTER      | 550
            an ordinary user of ours                 | bob@herzbube.ch        | 550
            """)
    void postmasterIsAlwaysAccepted(String name, String recipient, int expected) {
        assertThat(code(dialogue(engine(), "203.0.113.9", "1.2.3.4", recipient).get(3))).isEqualTo(expected);
    }

    // --- temporary failures

    @ParameterizedTest(name = "reject_at {0}")
    @CsvSource({"RCPT", "HELO"})
    void aDnsFailureIsCouldNotTellItNeverDefersDeniesOrDelays(RejectAt rejectAt) {
        // helodnscheck's I and B: deny what does not resolve or verify; the names give SERVFAIL
        PolicySettings settings = PolicySettings.defaults(US).withHelodnscheck("IBV").withRejectAt(rejectAt)
                .withAction("client-no-ptr", Action.DENY).withAction("client-ptr-unconfirmed", Action.DROP);
        List<Decision> d = dialogue(engine(settings), "203.0.113.77", "broken.example.net", "bob@herzbube.ch");
        assertThat(d).allSatisfy(x -> {
            assertThat(x.refusal()).as("a DNS failure is not a reason to refuse").isEmpty();
            assertThat(x.delay()).as("no delay earned on a guess").isZero();
        });
        assertThat(log).anySatisfy(l -> assertThat(l).contains("helo-unresolvable tempfail (log)"))
                .anySatisfy(l -> assertThat(l).contains("client-no-ptr tempfail (log)"));
    }

    @Test
    void aServfailForTheHeloNameIsNotDeferredAtEveryRcptByDefault() {
        // helo-resolves-to-us (delay, then deny by default) used to turn this into 451 at every RCPT
        PolicySession session = engine().open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9");
        session.decide(s.at(Stage.CONNECT));
        session.decide(s.helo("broken.example.net").at(Stage.HELO));
        session.decide(s.mail("a@example.net").at(Stage.MAIL));
        for (String rcpt : List.of("bob@herzbube.ch", "alice@herzbube.ch")) {
            Decision d = session.decide(s.rcpt(rcpt));
            assertThat(code(d)).as(rcpt).isEqualTo(250);
            assertThat(d.delay()).isZero();
        }
        assertThat(log).anySatisfy(l -> assertThat(l).contains("helo-resolves-to-us tempfail"));
    }

    @Test
    void aRealRejectionStillWinsOverADnsFailure() {
        PolicySettings settings = PolicySettings.defaults(US).withHelodnscheck("I");
        PolicySession session = engine(settings).open(ip("203.0.113.77"));
        Snapshots s = Snapshots.client("203.0.113.77");
        session.decide(s.at(Stage.CONNECT));
        session.decide(s.helo("herzbube.ch").at(Stage.HELO));
        assertThat(code(session.decide(s.rcpt("bob@herzbube.ch")))).isEqualTo(550);
    }

    @Test
    void aCheckThatThrowsDefersWith451() {
        Resolver broken = new Resolver() {
            public DnsAnswer<InetAddress> a(String name) { return resolver.a(name); }
            public DnsAnswer<InetAddress> aaaa(String name) { return resolver.aaaa(name); }
            public DnsAnswer<InetAddress> addresses(String name) {
                if (name.equals("mail.example.net")) throw new IllegalStateException("bug\r\nX-Injected: yes");
                return resolver.addresses(name);
            }
            public DnsAnswer<String> ptr(InetAddress address) { return resolver.ptr(address); }
            public DnsAnswer<String> txt(String name) { return resolver.txt(name); }
            public DnsAnswer<MxHost> mx(String domain) { return resolver.mx(domain); }
        };
        PolicyEngine engine = new DialoguePolicy(PolicySettings.defaults(US).withHeloCheckHeader(true), broken, log::add);
        List<Decision> d = dialogue(engine, "203.0.113.9", "mail.example.net", "bob@herzbube.ch");
        assertThat(d.get(3).headers()).isNotEmpty().allSatisfy(h -> assertThat(h).doesNotContain("\r").doesNotContain("\n"));
        assertThat(d.get(3).refusal()).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(451);
            assertThat(r.status()).isEqualTo("4.3.0");
            assertThat(r.lines().getFirst()).doesNotContain("bug").doesNotContain("Exception");
        });
        assertThat(log).anySatisfy(l -> assertThat(l).contains("helo-unresolvable").contains("IllegalStateException: bug"));
    }

    // --- early talker

    @Test
    void earlyTalkerIsDeniedAtRcptOrAtOnce() {
        PolicySession held = engine().open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9");
        held.decide(s.at(Stage.CONNECT));
        assertThat(held.clientTalkedEarly().refusal()).isEmpty();
        held.decide(s.helo("mail.example.net").at(Stage.HELO));
        assertThat(code(held.decide(s.rcpt("bob@herzbube.ch")))).isEqualTo(550);

        PolicySession now = engine(PolicySettings.defaults(US).withRejectAt(RejectAt.HELO)
                .withAction("early-talker", Action.DROP)).open(ip("203.0.113.9"));
        now.decide(Snapshots.client("203.0.113.9").at(Stage.CONNECT));
        Decision d = now.clientTalkedEarly();
        assertThat(code(d)).as("instead of the banner").isEqualTo(554);
        assertThat(d.disconnect()).isTrue();
    }

    // --- IPv6

    @Test
    void ipv6ClientsAreJudgedByAddressNotText() {
        List<Decision> literal = dialogue(engine(), "2001:db8::9", "[IPv6:2001:DB8:0::9]", "bob@herzbube.ch");
        assertThat(literal.get(1).findings()).anySatisfy(f -> {
            assertThat(f.check()).isEqualTo("helo-literal-mismatch");
            assertThat(f.outcome()).isEqualTo(Finding.Outcome.PASS);
        });
        assertThat(code(literal.get(3))).isEqualTo(250);
        assertThat(literal.get(0).delay()).as("FCrDNS through ip6.arpa and AAAA").isZero();

        assertThat(code(dialogue(engine(), "2001:db8::9", "v6.example.net", "bob@herzbube.ch").get(3))).isEqualTo(250);
        assertThat(dialogue(engine(), "2001:db8::9", "v6.example.net", "bob@herzbube.ch").get(2).delay()).isZero();
        assertThat(code(dialogue(engine(), "2001:db8::9", "2001:db8::9", "bob@herzbube.ch").get(3))).isEqualTo(550);
    }

    // --- the peers' false positives (helo-checks.md): the default policy must not refuse them

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            desktop MUA on port 25 (Mail-Toaster-6 #202)   | 203.0.113.99 | DESKTOP3507CDS
            Microsoft bigfish, HELO does not resolve        | 203.0.113.30 | TX2EHSNDR001.bigfish.com
            nuance, HELO does not resolve (anonaddy #167)   | 203.0.113.31 | smtp.digital.nuance.com
            Office 365 name resolving to 127.0.0.1          | 203.0.113.32 | outbound.o365.example.com
            fetchmail or PHP Net_SMTP saying localhost (CBL) | 203.0.113.9 | localhost
            Perl CheckUser's localhost.localdomain (CBL)    | 203.0.113.9  | localhost.localdomain
            NATed client greeting with its private literal  | 203.0.113.9  | [10.0.0.5]
            leading zeros in a literal (Snum is 1*3DIGIT)   | 203.0.113.9  | [203.0.113.009]
            IPv6 literal with an upper-case tag (K-9 #478)  | 2001:db8::9  | [IPV6:2001:db8::9]
            underscore in a Windows host name               | 203.0.113.9  | abc_xyz.example.net
            trailing dot                                    | 203.0.113.9  | mail.example.net.
            Amazon SES (Haraka dynamic false positive)      | 54.240.8.30  | a8-30.smtp-out.amazonses.com
            ESP pool greeting with another pool member      | 203.0.113.9  | mx0.slc.paypal.com
            no PTR at all                                   | 203.0.113.99 | mail.example.net
            """)
    // An untagged IPv6 literal ([2001:db8::9], docker-mailserver #537) is no longer here: RFC 5321
    // 4.1.3 has no such literal, and helo-syntax judges it as the peers' test suites do (issue 7).
    void legitimateButSloppySendersAreNeverRefused(String name, String client, String helo) {
        List<Decision> d = dialogue(engine(), client, helo, "bob@herzbube.ch");
        assertThat(d).allSatisfy(x -> assertThat(x.refusal()).isEmpty());
        assertThat(d).allSatisfy(x -> assertThat(x.delay()).isLessThanOrEqualTo(Duration.ofMinutes(4)));
    }
}
