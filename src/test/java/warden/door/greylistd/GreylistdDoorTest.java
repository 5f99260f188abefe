package warden.door.greylistd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The greylistd door of {@code serve}, over its real UNIX socket and loopback port: greylistd's
 * conformance exchanges (research note 1.8) answered word for word, and what the answers now mean
 * (the whole engine behind them), on the store {@code warden greylist} sees.
 */
@Timeout(60)
class GreylistdDoorTest {

    @TempDir
    Path dir;

    /** Where and how a client asks. */
    enum Way {
        UNIX_EXIM(true, GreylistdClient.Framing.SHUTDOWN), UNIX_NEWLINE(true, GreylistdClient.Framing.NEWLINE),
        UNIX_CLI(true, GreylistdClient.Framing.OPEN), TCP_EXIM(false, GreylistdClient.Framing.SHUTDOWN),
        TCP_NEWLINE(false, GreylistdClient.Framing.NEWLINE), TCP_CLI(false, GreylistdClient.Framing.OPEN);

        final boolean unix;
        final GreylistdClient.Framing framing;

        Way(boolean unix, GreylistdClient.Framing framing) {
            this.unix = unix;
            this.framing = framing;
        }
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void answersGreylistdsConformanceExchangesWordForWord(Way way) throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock())) {
            Object at = way.unix ? w.socket() : w.tcp();
            Exchange x = (request, answer) -> assertThat(GreylistdClient.ask(at, request, way.framing))
                    .as("%s over %s", request, way).isEqualTo(answer);

            x.expect("192.0.2.1 alice@example.org bob@example.net", "grey");
            x.expect("check 192.0.2.1 alice@example.org bob@example.net", "grey");
            x.expect("update 192.0.2.1 alice@example.org bob@example.net", "grey");
            x.expect("--grey 192.0.2.1 alice@example.org bob@example.net", "true");
            x.expect("status 192.0.2.9 x@y z@w", "unseen");
            x.expect("check --white 192.0.2.1 alice@example.org bob@example.net", "false");
            w.clock.advance(Duration.ofSeconds(61));
            x.expect("check 192.0.2.1 alice@example.org bob@example.net", "white");
            x.expect("status 192.0.2.1 alice@example.org bob@example.net", "grey");
            x.expect("--grey 192.0.2.1 alice@example.org bob@example.net", "false");
            x.expect("status 192.0.2.1 alice@example.org bob@example.net", "white");
            x.expect("192.0.2.1 ALICE@example.org bob@example.net", "white");
            x.expect("192.0.2.50 a@b.c d@e.f\n", "grey");
            x.expect("add --black 198.51.100.7 spam@bad.example victim@example.net", "Added to blacklist");
            x.expect("--black 198.51.100.7 spam@bad.example victim@example.net", "true");
            x.expect("198.51.100.7 spam@bad.example victim@example.net", "black");
            x.expect("delete 203.0.113.5 a b", "error: Not found");
            x.expect("bogus", "grey");
            // A client that sends nothing and keeps its side open waits for the idle deadline, as with greylistd.
            if (way.framing != GreylistdClient.Framing.OPEN) x.expect("", "error: No data received");
            x.expect("add", "error: Missing argument");
            x.expect("stats extra", "error: Too many arguments");
            x.expect("list extra", "error: Too many arguments");
            x.expect("check --purple x", "error: 'purple' is not a known state");
            x.expect("add --purple x", "error: No such list: 'purple'");
            x.expect("list --purple", "error: Invalid list: purple");
            x.expect("clear --purple", "error: Invalid list: 'purple'");
            x.expect("--grey", "error: Missing argument");
            x.expect("save", "greylistd data has been saved");
            x.expect("reload", "configuration and data reloaded");
            x.expect("delete 192.0.2.1 alice@example.org bob@example.net", "Removed from whitelist");
            x.expect("status 192.0.2.1 alice@example.org bob@example.net", "unseen");
            x.expect("add --grey bogus", "Added to greylist");
            x.expect("add 203.0.113.77", "Added to whitelist");
            x.expect("status 203.0.113.0/24", "white");
            x.expect("203.0.113.8 carol@example.org dave@example.net", "white");
            x.expect("UPDATE   --GREY\t192.0.2.60  Eve@Example.ORG   frank@example.net", "true");
            x.expect("status 192.0.2.60 eve@example.org frank@example.net", "grey");
            assertThat(w.mainlog()).as("a line per decision").contains(
                    (way.unix ? "greylistd unix: " : "greylistd 127.0.0.1:"),
                    "update --grey 192.0.2.1 alice@example.org bob@example.net -> true (grey) (rcpt 451 4.7.1 192.0.2.1 is not yet"
                    + " authorized to deliver mail from <alice@example.org> to <bob@example.net>. Please try later.; client-no-ptr fail:"
                    + " the client 192.0.2.1 has no reverse DNS name; greylist fail: greylisted <alice@example.org> ->"
                    + " <bob@example.net>, retry in 60s)",
                    "check 192.0.2.1 alice@example.org bob@example.net -> white (rcpt; client-no-ptr fail: the client 192.0.2.1 has no"
                    + " reverse DNS name; greylist pass: <alice@example.org> -> <bob@example.net> (peeked, nothing recorded) passes after 61s"
                    + " of greylisting)",
                    "update bogus -> grey (first seen)");
            String mrtg = GreylistdClient.ask(at, "mrtg", way.framing);
            assertThat(mrtg.lines().toList()).hasSize(4);
            assertThat(mrtg.lines().limit(3).toList()).containsExactly("4", "1", "1 minute and 1 second");
        }
    }

    /** The seed's second ACL verb: a client a DNS blacklist lists is {@code black}, not a greylisted triplet. */
    @Test
    void aClientListedByADnsBlacklistIsBlackAndLeavesNoTriplet() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("7.100.51.198.bl.test", "127.0.0.2");
            try (GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock())) {
                assertThat(w.ask("198.51.100.7 spam@bad.example victim@example.test")).isEqualTo("black");
                assertThat(w.ask("--black 198.51.100.7 spam@bad.example victim@example.test")).isEqualTo("true");
                assertThat(w.ask("--grey 198.51.100.7 spam@bad.example victim@example.test")).isEqualTo("false");
                assertThat(w.ask("status 198.51.100.7 spam@bad.example victim@example.test")).isEqualTo("unseen");
                assertThat(w.ask("192.0.2.1 alice@example.org bob@example.test")).isEqualTo("grey");
                assertThat(w.mainlog()).contains("greylistd unix: update 198.51.100.7 spam@bad.example victim@example.test -> black (rcpt 550")
                        .contains("dnsbl-listed fail");
            }
        }
    }

    /**
     * The seed's DATA ACL for bounces sends {@code $sender_host_address $recipients}: the null
     * sender is greylisted over all recipients at once, and a bounce to an address that never
     * sends mail is black.
     */
    @Test
    void theDataAclsBounceRequestIsGreylistedOverAllRecipients() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(); GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock())) {
            assertThat(w.ask("192.0.2.20 bob@example.test, carol@example.test")).isEqualTo("grey");
            assertThat(w.ask("192.0.2.20 carol@example.test, bob@example.test")).isEqualTo("grey");
            assertThat(w.ask("status 192.0.2.20 bob@example.test, carol@example.test")).isEqualTo("grey");
            assertThat(w.ask("192.0.2.20 bob@example.test")).as("another set of recipients").isEqualTo("grey");
            assertThat(w.ask("192.0.2.21 noreply@example.test")).as("bounce_recipients: a bogus bounce").isEqualTo("black");
            // Debian's DATA deny asks --black with !senders = : (about mail that is NOT a bounce): the store's word only.
            assertThat(w.ask("--black 192.0.2.22 noreply@example.test")).isEqualTo("false");
            assertThat(w.ask("status 192.0.2.22 noreply@example.test")).as("nothing made up").isEqualTo("unseen");
            assertThat(w.ask("add --black 203.0.113.23 bob@example.test")).isEqualTo("Added to blacklist");
            assertThat(w.ask("--black 203.0.113.23 bob@example.test")).isEqualTo("true");
            w.clock.advance(Duration.ofSeconds(61));
            assertThat(w.ask("--grey 192.0.2.20 bob@example.test, carol@example.test")).isEqualTo("false");
            assertThat(w.ask("192.0.2.20 <> bob@example.test")).as("a triplet with the null sender is a bounce").isEqualTo("white");
            assertThat(w.greylistCommand("list")).contains("192.0.2.0/24 <> bob@example.test,carol@example.test")
                    .doesNotContain("noreply");
            assertThat(w.mainlog()).contains("bogus-bounce fail");
        }
    }

    /** One store: what the door records, {@code warden greylist} lists and changes, and the door sees the change. */
    @Test
    void wardenGreylistSeesAndChangesTheDoorsStore() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(); GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock())) {
            assertThat(w.ask("192.0.2.1 alice@example.org bob@example.net")).isEqualTo("grey");
            assertThat(w.ask("bogus")).isEqualTo("grey");
            assertThat(w.ask("add --black 198.51.100.7 spam@bad.example victim@example.net")).isEqualTo("Added to blacklist");
            String listed = w.greylistCommand("list");
            assertThat(listed).contains("192.0.2.0/24 alice@example.org bob@example.net")
                    .contains("198.51.100.0/24 spam@bad.example victim@example.net").contains("text:bogus");
            w.greylistCommand("add", "--white", "203.0.113.9", "x@example.org", "y@example.net");
            assertThat(w.ask("203.0.113.9 x@example.org y@example.net")).isEqualTo("white");
            w.greylistCommand("delete", "198.51.100.7", "spam@bad.example", "victim@example.net");
            assertThat(w.ask("status 198.51.100.7 spam@bad.example victim@example.net")).isEqualTo("unseen");
        }
    }

    /** Debian's {@code -netmask=24} sends the client's network: only the greylist answers for it, keyed by that network. */
    @Test
    void aClientNamedAsANetworkIsGreylistedByThatNetwork() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(); GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock())) {
            assertThat(w.ask("--grey 192.0.2.0/24 alice@example.org bob@example.net")).isEqualTo("true");
            assertThat(w.ask("status 192.0.2.7 alice@example.org bob@example.net")).isEqualTo("grey");
            w.clock.advance(Duration.ofSeconds(61));
            assertThat(w.ask("192.0.2.5 alice@example.org bob@example.net")).isEqualTo("white");
            assertThat(w.ask("--grey 10.1.0.0/16 alice@example.org bob@example.net")).isEqualTo("true");
            assertThat(w.greylistCommand("list")).contains("10.1.0.0/16 alice@example.org bob@example.net");
        }
    }

    @Test
    void listAndStatsAreGreylistdsTables() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(); GreylistdWarden w = GreylistdWarden.start(dir, dns,
                new TestClock(java.time.Instant.parse("2026-12-03T06:00:00Z")))) {
            assertThat(w.ask("list")).as("an empty store lists nothing").isEmpty();
            w.ask("192.0.2.1 alice@example.org bob@example.net");
            w.ask("bogus");
            w.clock.advance(Duration.ofSeconds(61));
            w.ask("192.0.2.1 alice@example.org bob@example.net");
            w.ask("192.0.2.1 alice@example.org bob@example.net");
            w.ask("add --black 198.51.100.7 spam@bad.example victim@example.net");
            w.ask("198.51.100.7 spam@bad.example victim@example.net");
            assertThat(w.ask("list")).isEqualTo("""

                    Whitelist data:
                    ===============
                      Last Seen            Count  Data
                      2026-12-03 06:01:01      3  192.0.2.0/24 alice@example.org bob@example.net

                    Greylist data:
                    ==============
                      Last Seen            Count  Data
                      2026-12-03 06:00:00      1  bogus

                    Blacklist data:
                    ===============
                      Last Seen            Count  Data
                      2026-12-03 06:01:01      2  198.51.100.0/24 spam@bad.example victim@example.net
                    """);
            assertThat(w.ask("list --black --white")).startsWith("\nBlacklist data:\n").contains("\nWhitelist data:\n")
                    .doesNotContain("Greylist");
            assertThat(w.ask("stats")).isEqualTo("""
                    Statistics
                    ----------
                    1 items, matching 3 requests, are currently whitelisted
                    1 items, matching 1 requests, are currently greylisted
                    1 items, matching 2 requests, are currently blacklisted

                    Of 1 items that were initially greylisted:
                     - 1 (100.0%) became whitelisted
                     - 0 (  0.0%) expired from the greylist
                    """);
            assertThat(w.ask("clear --grey")).isEqualTo("data and statistics cleared");
            assertThat(w.ask("status bogus")).isEqualTo("unseen");
            assertThat(w.ask("status 198.51.100.7 spam@bad.example victim@example.net")).isEqualTo("black");
        }
    }

    /** {@code policy.mode: report}: the door answers as if all passed, and the main log says what it would have answered. */
    @Test
    void reportModeAnswersWhiteAndLogsWhatItWouldHaveAnswered() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("7.100.51.198.bl.test", "127.0.0.2");
            try (GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock(), "sqlite", "{mode: report, max_delay: 0s}", "")) {
                assertThat(w.ask("198.51.100.7 spam@bad.example victim@example.test")).isEqualTo("white");
                assertThat(w.ask("--black 198.51.100.7 spam@bad.example victim@example.test")).isEqualTo("false");
                assertThat(w.ask("--grey 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("false");
                assertThat(w.ask("--white 192.0.2.2 alice@example.org bob@example.net")).isEqualTo("true");
                assertThat(w.ask("bogus")).isEqualTo("white");
                assertThat(w.ask("status 192.0.2.1 alice@example.org bob@example.net")).as("recorded all the same").isEqualTo("grey");
                assertThat(w.ask("add --black 192.0.2.3")).as("administration unchanged").isEqualTo("Added to blacklist");
                assertThat(w.mainlog())
                        .contains("report: greylistd unix: update 198.51.100.7 spam@bad.example victim@example.test -> white (would answer black: rcpt 550")
                        .contains("report: greylistd unix: update --black 198.51.100.7 spam@bad.example victim@example.test -> false (would answer true (black)")
                        .contains("report: greylistd unix: update --grey 192.0.2.1 alice@example.org bob@example.net -> false (would answer true (grey)")
                        .contains("greylist fail: greylisted <alice@example.org> -> <bob@example.net>");
            }
        }
    }

    @FunctionalInterface
    interface Exchange {
        void expect(String request, String answer) throws Exception;
    }
}
