package warden.greylist.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.greylist.Greylist;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistResult;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;
import warden.greylist.NetworkKey;
import warden.greylist.GreylistStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.SortedMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden greylist import postgrey} on Berkeley DB files written by a real postgrey 1.37,
 * fed Postfix policy requests through its socket with {@code policy_test_time} so that hours of
 * history (retries, an auto-whitelisted client an hour later, a stale triplet) take a second.
 */
class PostgreyImportTest {

    @TempDir
    Path postgreyDir;

    @TempDir
    Path dataDir;

    static final GreylistSettings WARDEN = GreylistSettings.defaults();

    @Test
    @Timeout(120)
    void triplets_andAutoWhitelistedClientsOfARealPostgreyCarryOver() throws Exception {
        long t0 = Instant.now().getEpochSecond() - 3 * 3600;
        try (PostgreyProcess postgrey = new PostgreyProcess(postgreyDir)) {
            postgrey.start("--auto-whitelist-clients=2"); // --delay: the default 300 s
            assertThat(postgrey.rcpt(t0, "192.0.2.10", "alice@example.org", "bob@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0, "192.0.2.11", "list-bounces+42@lists.example", "bob@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0, "192.0.2.12", "bounce-1234-5678@lists.example", "bob@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0, "198.51.100.3", "", "bounce@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0, "2001:db8:1:2::25", "v6@example.org", "bob@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0 + 400, "192.0.2.77", "alice@example.org", "bob@example.net")).startsWith("PREPEND X-Greylist:");
            assertThat(postgrey.rcpt(t0 + 60, "203.0.113.77", "carol@example.org", "dave@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0 + 500, "203.0.113.77", "carol@example.org", "dave@example.net")).startsWith("PREPEND");
            assertThat(postgrey.rcpt(t0 + 3700, "203.0.113.77", "erin@example.org", "dave@example.net")).startsWith("DEFER_IF_PERMIT");
            assertThat(postgrey.rcpt(t0 + 4200, "203.0.113.77", "erin@example.org", "dave@example.net")).startsWith("PREPEND");
            // Two first passes an hour apart: the client is now on postgrey's auto-whitelist.
            assertThat(postgrey.rcpt(t0 + 4300, "203.0.113.77", "frank@example.org", "dave@example.net")).isEqualTo("DUNNO");
            assertThat(postgrey.rcpt(t0 - 6 * 3600, "192.0.2.13", "old@example.org", "bob@example.net")).startsWith("DEFER_IF_PERMIT");
            postgrey.stop();
        }

        ImportCli cli = new ImportCli(dataDir, WARDEN);
        ImportCli.Run run = cli.run("import", "postgrey", "--dbdir", postgreyDir.resolve("db").toString(), "--auto-whitelist-clients", "2");
        assertThat(run.status()).as(run.err()).isZero();
        System.out.print(run.out());
        assertThat(run.out()).contains("read 10 entries from postgrey " + postgreyDir.resolve("db"))
                .contains("imported 7 entries into the greylist store: 4 white, 3 grey, 0 black")
                .contains("1 entries have a sender postgrey rewrote (digits to #, for VERP)")
                .contains("1 entries had expired under Warden's greylist settings")
                .contains("1 entries are clients postgrey had not yet auto-whitelisted");

        SortedMap<String, GreylistEntry> e = cli.entries();
        assertThat(e.keySet()).containsExactly(
                "192.0.2.0/24 alice@example.org bob@example.net",
                "192.0.2.0/24 list-bounces@lists.example bob@example.net",
                "198.51.100.0/24 <> bounce@example.net",
                "2001:db8:1:2:0:0:0:0/64 v6@example.org bob@example.net",
                "203.0.113.0/24",
                "203.0.113.0/24 carol@example.org dave@example.net",
                "203.0.113.0/24 erin@example.org dave@example.net");
        expect(e.get("192.0.2.0/24 alice@example.org bob@example.net"), GreylistState.WHITE, t0, t0 + 400, 2);
        expect(e.get("192.0.2.0/24 list-bounces@lists.example bob@example.net"), GreylistState.GREY, t0, t0, 1);
        expect(e.get("198.51.100.0/24 <> bounce@example.net"), GreylistState.GREY, t0, t0, 1);
        expect(e.get("2001:db8:1:2:0:0:0:0/64 v6@example.org bob@example.net"), GreylistState.GREY, t0, t0, 1);
        expect(e.get("203.0.113.0/24 carol@example.org dave@example.net"), GreylistState.WHITE, t0 + 60, t0 + 500, 2);
        expect(e.get("203.0.113.0/24 erin@example.org dave@example.net"), GreylistState.WHITE, t0 + 3700, t0 + 4200, 2);
        expect(e.get("203.0.113.0/24"), GreylistState.WHITE, t0 + 4200, t0 + 4200, 2);
        assertThat(e.get("192.0.2.0/24 list-bounces@lists.example bob@example.net").expires())
                .isEqualTo(Instant.ofEpochSecond(t0).plus(WARDEN.timeout()));
        assertThat(e.get("192.0.2.0/24 alice@example.org bob@example.net").expires())
                .isEqualTo(Instant.ofEpochSecond(t0 + 400).plus(WARDEN.lifetime()));

        try (GreylistStore store = cli.open()) {
            Greylist live = new Greylist(store, WARDEN, Clock.systemUTC());
            assertThat(live.check(NetworkKey.literal("192.0.2.99"), "alice@example.org", "bob@example.net")).isInstanceOf(GreylistResult.Pass.class);
            // Deferred three hours ago by postgrey, retried now: Warden counts the wait and promotes it.
            assertThat(live.check(NetworkKey.literal("192.0.2.11"), "list-bounces@lists.example", "bob@example.net"))
                    .isInstanceOfSatisfying(GreylistResult.Pass.class, p -> {
                        assertThat(p.promoted()).isTrue();
                        assertThat(p.delayed()).isGreaterThanOrEqualTo(java.time.Duration.ofHours(3));
                    });
            assertThat(live.check(NetworkKey.literal("203.0.113.5"), "new@example.org", "someone@example.net")).isInstanceOf(GreylistResult.Pass.class);
        }
    }

    @Test
    @Timeout(120)
    void lookupByHostKeysMergeIntoWardensNetworkAndPrivacyDigestsAreCountedNotGuessed() throws Exception {
        long t0 = Instant.now().getEpochSecond() - 3600;
        Path byHost = Files.createDirectories(postgreyDir.resolve("by-host"));
        try (PostgreyProcess postgrey = new PostgreyProcess(byHost)) {
            postgrey.start("--lookup-by-host", "--delay=60");
            postgrey.rcpt(t0, "192.0.2.10", "alice@example.org", "bob@example.net");
            postgrey.rcpt(t0 + 10, "192.0.2.77", "alice@example.org", "bob@example.net");
            assertThat(postgrey.rcpt(t0 + 100, "192.0.2.10", "alice@example.org", "bob@example.net")).startsWith("PREPEND");
            postgrey.stop();
        }
        ImportCli cli = new ImportCli(dataDir, WARDEN);
        ImportCli.Run run = cli.run("import", "postgrey", "--dbdir", byHost.resolve("db").toString(), "--delay", "60");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("imported 1 entries into the greylist store: 1 white, 0 grey, 0 black")
                .contains("merged 1 entries into another with the same Warden key");
        expect(cli.entries().get("192.0.2.0/24 alice@example.org bob@example.net"), GreylistState.WHITE, t0, t0 + 100, 2);

        Path privacy = Files.createDirectories(postgreyDir.resolve("privacy"));
        try (PostgreyProcess postgrey = new PostgreyProcess(privacy)) {
            postgrey.start("--privacy");
            postgrey.rcpt(t0, "198.51.100.1", "carol@example.org", "dave@example.net");
            postgrey.stop();
        }
        ImportCli.Run hashed = cli.run("import", "postgrey", "--dbdir", privacy.resolve("db").toString());
        assertThat(hashed.status()).as(hashed.err()).isZero();
        assertThat(hashed.out()).contains("imported 0 entries")
                .contains("1 entries are SHA-1 digests (postgrey --privacy): what they stood for cannot be recovered");

        ImportCli.Run none = cli.run("import", "postgrey", "--dbdir", postgreyDir.resolve("nothing").toString());
        assertThat(none.status()).isEqualTo(66);
        assertThat(none.err()).isEqualTo("error: " + postgreyDir.resolve("nothing/postgrey.db") + " does not exist;"
                + " name postgrey's database directory with --dbdir\n");
    }

    @Test
    @Timeout(120)
    void intoASharedRedisStore() throws Exception {
        long t0 = Instant.now().getEpochSecond() - 3600;
        try (PostgreyProcess postgrey = new PostgreyProcess(postgreyDir)) {
            postgrey.start();
            postgrey.rcpt(t0, "192.0.2.10", "alice@example.org", "bob@example.net");
            assertThat(postgrey.rcpt(t0 + 400, "192.0.2.10", "alice@example.org", "bob@example.net")).startsWith("PREPEND");
            postgrey.rcpt(t0 + 500, "198.51.100.9", "carol@example.org", "dave@example.net");
            postgrey.stop();
        }
        try (warden.greylist.RedisServer redis = warden.greylist.RedisServer.start()) {
            ImportCli cli = new ImportCli(() -> new warden.greylist.RedisGreylistStore(redis.uri(), Clock.systemUTC()), WARDEN);
            ImportCli.Run run = cli.run("import", "postgrey", "--dbdir", postgreyDir.resolve("db").toString());
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).contains("imported 2 entries into the greylist store: 1 white, 1 grey, 0 black");
            SortedMap<String, GreylistEntry> e = cli.entries();
            expect(e.get("192.0.2.0/24 alice@example.org bob@example.net"), GreylistState.WHITE, t0, t0 + 400, 2);
            expect(e.get("198.51.100.0/24 carol@example.org dave@example.net"), GreylistState.GREY, t0 + 500, t0 + 500, 1);
            assertThat(e).hasSize(2);
        }
    }

    private static void expect(GreylistEntry e, GreylistState state, long first, long last, long requests) {
        assertThat(e).isNotNull();
        assertThat(e.state()).isEqualTo(state);
        assertThat(e.firstSeen()).isEqualTo(Instant.ofEpochSecond(first));
        assertThat(e.lastSeen()).isEqualTo(Instant.ofEpochSecond(last));
        assertThat(e.requests()).isEqualTo(requests);
    }
}
