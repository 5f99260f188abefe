package warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import warden.greylist.Greylist;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistSettings;
import warden.greylist.NetworkKey;
import warden.greylist.SqliteGreylistStore;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden greylist …} on a real SQLite file that a "server" store holds open at the same
 * time, as when an operator runs the tool beside a running Warden.
 */
class GreylistCommandTest {

    @TempDir
    Path dataDir;

    Clock clock = Clock.fixed(Instant.parse("2026-11-24T12:00:00Z"), ZoneOffset.UTC);
    Optional<Path> configSeen;

    record Run(int status, String out, String err) {}

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GreylistCommand(config -> {
            configSeen = config;
            return new GreylistAdmin(new SqliteGreylistStore(dataDir.resolve("greylist.sqlite"), clock, Duration.ZERO),
                    GreylistSettings.defaults(), clock);
        }));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void addListCheckDeleteAndStatsWhileTheServerHoldsTheStore() throws Exception {
        try (SqliteGreylistStore server = new SqliteGreylistStore(dataDir.resolve("greylist.sqlite"), clock, Duration.ZERO)) {
            Greylist live = new Greylist(server, GreylistSettings.defaults(), clock);
            live.check(NetworkKey.literal("192.0.2.1"), "alice@example.org", "bob@example.net");

            Run added = run("add", "--black", "198.51.100.7", "spam@bad.example", "victim@example.net");
            assertThat(added.status()).isZero();
            assertThat(added.out()).isEqualTo("Added 198.51.100.0/24 spam@bad.example victim@example.net to the black list\n");
            assertThat(live.check(NetworkKey.literal("198.51.100.7"), "spam@bad.example", "victim@example.net").label()).isEqualTo("black");

            Run listed = run("list");
            assertThat(listed.out().lines()).containsExactly(
                    "state        age       idle  requests  key",
                    "grey          0s         0s         1  192.0.2.0/24 alice@example.org bob@example.net",
                    "black         0s         0s         1  198.51.100.0/24 spam@bad.example victim@example.net");
            assertThat(run("list", "--white").out().lines()).hasSize(1);

            Run grey = run("check", "192.0.2.1", "alice@example.org", "bob@example.net");
            assertThat(grey.status()).isEqualTo(1);
            assertThat(grey.out()).startsWith("grey: 451 4.7.1 192.0.2.1 is not yet authorized");
            assertThat(run("check", "198.51.100.9", "spam@bad.example", "victim@example.net").status()).isEqualTo(2);
            assertThat(run("check", "203.0.113.1", "a@example.org", "b@example.net").status()).isEqualTo(1);

            JsonNode stats = new ObjectMapper().readTree(run("stats", "--json").out());
            assertThat(stats.at("/entries/grey").asLong()).isEqualTo(1);
            assertThat(stats.at("/entries/black").asLong()).isEqualTo(1);
            assertThat(stats.at("/counters/deferred").asLong()).isEqualTo(1);
            assertThat(stats.at("/counters/denied").asLong()).isEqualTo(1);

            assertThat(run("delete", "198.51.100.7", "spam@bad.example", "victim@example.net").status()).isZero();
            Run again = run("delete", "198.51.100.7", "spam@bad.example", "victim@example.net");
            assertThat(again.status()).isEqualTo(1);
            assertThat(again.err()).isEqualTo("error: 198.51.100.0/24 spam@bad.example victim@example.net is not in the greylist\n");
        }
    }

    @Test
    void jsonListAndConfigOption() throws Exception {
        run("add", "--white", "2001:db8::/32");
        Run r = run("--config", "/etc/warden/warden.yaml", "list", "--json");

        JsonNode list = new ObjectMapper().readTree(r.out());
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("key").asText()).isEqualTo("2001:db8:0:0:0:0:0:0/32");
        assertThat(list.get(0).get("state").asText()).isEqualTo("white");
        assertThat(configSeen).contains(Path.of("/etc/warden/warden.yaml"));
    }

    @Test
    void badArgumentsGiveOneLineAndStatus64() {
        Run r = run("add", "--white", "mail.example.org");
        assertThat(r.status()).isEqualTo(64);
        assertThat(r.err()).isEqualTo("error: 'mail.example.org' is not an IP address\n");
        assertThat(run("add", "--white", "--black", "192.0.2.1").status()).isEqualTo(64);
        assertThat(run("add", "192.0.2.1", "a@b").status()).isEqualTo(64);
    }

    @Test
    void spansReadLikeDurations() {
        assertThat(GreylistCommand.span(Duration.ofSeconds(73))).isEqualTo("1m13s");
        assertThat(GreylistCommand.span(Duration.ofHours(26))).isEqualTo("1d2h");
        assertThat(GreylistCommand.span(Duration.ofMinutes(61))).isEqualTo("1h1m");
    }
}
