package warden.policy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

/**
 * {@link PolicySession#tlsStarted()}: after STARTTLS what was judged of the client's greeting no
 * longer counts (RFC 3207 4.2), what is known of its address does (sticky punishments included).
 */
@Timeout(60)
class TlsRestartPolicyTest {

    static final OwnIdentity US = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch"), Set.of(ip("192.0.2.25")));
    static TestDnsServer dns;
    static Resolver resolver;
    final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void zone() {
        dns = TestDnsServer.start();
        resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 0, 1000, new TestClock());
        dns.ptr(ip("203.0.113.30"), "mail.bigfish.com").a("mail.bigfish.com", "203.0.113.30")
           .ptr(ip("203.0.113.9"), "mail.example.net").a("mail.example.net", "203.0.113.9");
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    private PolicySession session(String client) {
        return new DialoguePolicy(PolicySettings.defaults(US).withHeloCheckHeader(true), resolver, log::add).open(ip(client));
    }

    @Test
    void theGreetingsFindingsAreForgottenAtStartTls() {
        Snapshots s = Snapshots.client("203.0.113.30");
        PolicySession before = session("203.0.113.30");
        before.decide(s.at(Stage.CONNECT));
        before.decide(s.helo("TX2EHSNDR001.bigfish.com").at(Stage.HELO));
        Decision kept = before.decide(s.mail("a@bigfish.com").rcpt("bob@herzbube.ch"));
        assertThat(kept.headers()).anySatisfy(h -> assertThat(h).startsWith("X-Helo-Check: helo-unresolvable fail"));

        PolicySession after = session("203.0.113.30");
        after.decide(s.at(Stage.CONNECT));
        after.decide(s.helo("TX2EHSNDR001.bigfish.com").at(Stage.HELO));
        after.tlsStarted();
        Decision forgotten = after.decide(s.mail("a@bigfish.com").rcpt("bob@herzbube.ch"));
        assertThat(forgotten.headers()).noneSatisfy(h -> assertThat(h).contains("helo-unresolvable"));
    }

    @Test
    void aStickyPunishmentOutlivesStartTls() {
        Snapshots s = Snapshots.client("203.0.113.9");
        PolicySession session = session("203.0.113.9");
        session.decide(s.at(Stage.CONNECT));
        assertThat(session.decide(s.helo("1.2.3.4").at(Stage.HELO)).delay()).isPositive();
        session.tlsStarted();
        session.decide(s.helo("mail.example.net").at(Stage.HELO));
        Decision rcpt = session.decide(s.mail("a@example.net").rcpt("bob@herzbube.ch"));
        assertThat(rcpt.refusal()).hasValueSatisfying(r -> assertThat(r.code()).isEqualTo(550));
    }
}
