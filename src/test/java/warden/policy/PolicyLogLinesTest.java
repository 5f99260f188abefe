package warden.policy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.greylist.Greylist;
import warden.greylist.GreylistSettings;
import warden.greylist.SqliteGreylistStore;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/**
 * The engine's main-log lines an administrator needs and did not get: the delay a client is
 * actually held (after {@code policy.max_delay}), and a greylisted triplet passing on its retry.
 */
@Timeout(60)
class PolicyLogLinesTest {

    static final OwnIdentity US = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch"), Set.of(ip("192.0.2.25")));

    @TempDir
    Path dir;

    final List<String> log = new CopyOnWriteArrayList<>();
    TestDnsServer dns;
    Resolver resolver;

    @BeforeEach
    void zone() {
        dns = TestDnsServer.start();
        dns.ptr(ip("203.0.113.9"), "mail.example.net").a("mail.example.net", "203.0.113.9");
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 1000, new TestClock());
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    @Test
    void theDelayActuallyAppliedIsLoggedAfterMaxDelay() {
        // no PTR (20s at connect) and a HELO that is not a FQDN (20s): 40s asked at MAIL, 30s allowed
        PolicySettings settings = PolicySettings.defaults(US).withMaxDelay(Duration.ofSeconds(30));
        PolicySession p = new DialoguePolicy(settings, resolver, log::add).open(ip("192.0.2.7"));
        Snapshots s = Snapshots.client("192.0.2.7").noPtr();
        p.decide(s.at(Stage.CONNECT));
        p.decide(s.helo("foo").at(Stage.HELO));
        Decision mail = p.decide(s.mail("a@example.net").at(Stage.MAIL));
        assertThat(mail.delay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(log).contains("policy [192.0.2.7] mail delay 30s (the checks asked 40s; capped by policy.max_delay)");
        assertThat(log).contains("policy [192.0.2.7] connect delay 20s");
    }

    @Test
    void aFindingAboutAClientsTextIsEscapedAsTheMainLogEscapesIt() {
        // helo-syntax denies at once; the reason quotes the HELO with an ESC and a non-ASCII letter
        PolicySettings settings = PolicySettings.defaults(US).withAction("helo-syntax", Action.DENY);
        PolicySession p = new DialoguePolicy(settings, resolver, log::add).open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9").fcrdns("mail.example.net");
        p.decide(s.at(Stage.CONNECT));
        p.decide(s.helo("a\u001bb\u00e9.example").at(Stage.HELO));
        p.decide(s.mail("a@example.net").at(Stage.MAIL));
        Decision rcpt = p.decide(s.rcpt("bob@herzbube.ch"));
        assertThat(log).anySatisfy(l -> assertThat(l).startsWith("policy [203.0.113.9] helo helo-syntax fail")
                .contains("HELO \"a\\x1bb\\xe9.example\""));
        assertThat(log).noneMatch(l -> l.contains("?"));
        assertThat(rcpt.refusal()).hasValueSatisfying(r -> assertThat(r.toString()).contains("a\\x1bb\\xe9.example"));
    }

    @Test
    void noDelayLineWhenThereIsNoDelay() {
        PolicySession p = new DialoguePolicy(PolicySettings.defaults(US), resolver, log::add).open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9").fcrdns("mail.example.net");
        assertThat(p.decide(s.at(Stage.CONNECT)).delay()).isZero();
        assertThat(p.decide(s.helo("mail.example.net").at(Stage.HELO)).delay()).isZero();
        assertThat(log).noneMatch(l -> l.contains(" delay "));
    }

    @Test
    void aGreylistedTripletPassingOnItsRetryIsLogged() {
        TestClock clock = new TestClock();
        try (SqliteGreylistStore store = new SqliteGreylistStore(dir.resolve("greylist.sqlite"), clock, Duration.ZERO)) {
            FrontLines lines = FrontLines.none(resolver).withGreylist(new Greylist(store, GreylistSettings.defaults(), clock), true);
            PolicyEngine engine = new DialoguePolicy(PolicySettings.defaults(US), resolver, log::add, lines);
            assertThat(rcpt(engine).refusal()).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(451));
            assertThat(log).noneMatch(l -> l.contains("passes after"));
            clock.advance(Duration.ofSeconds(61));
            assertThat(rcpt(engine).refusal()).isEmpty();
            assertThat(log).contains("policy [203.0.113.9] rcpt greylist: <a@example.net> -> <bob@herzbube.ch> passes after 61s of greylisting");
            // later mail of the now white triplet is not news
            int lines0 = log.size();
            assertThat(rcpt(engine).refusal()).isEmpty();
            assertThat(log.subList(lines0, log.size())).noneMatch(l -> l.contains("greylist"));
        }
    }

    private static Decision rcpt(PolicyEngine engine) {
        PolicySession p = engine.open(ip("203.0.113.9"));
        Snapshots s = Snapshots.client("203.0.113.9").fcrdns("mail.example.net");
        p.decide(s.at(Stage.CONNECT));
        p.decide(s.helo("mail.example.net").at(Stage.HELO));
        p.decide(s.mail("a@example.net").at(Stage.MAIL));
        return p.decide(s.rcpt("bob@herzbube.ch"));
    }
}
