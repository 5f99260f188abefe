package warden.greylist.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden greylist import greylistd} on files written by a real greylistd: requests through
 * its socket as Exim sends them, a blacklisting with its own {@code greylist} tool, a restart (which
 * makes greylistd itself forget everything), then the import, checked entry by entry against the
 * files and against Warden's greylist deciding live traffic.
 */
class GreylistdImportTest {

    @TempDir
    Path greylistdDir;

    @TempDir
    Path dataDir;

    static final GreylistSettings WARDEN = GreylistSettings.defaults();

    /** greylistd's own record of one key, read from its files the simple way. */
    record Seen(GreylistState state, long last, long first, long count) {}

    @Test
    @Timeout(120)
    void everyEntryOfARealGreylistdCarriesOverAndDecidesAsBefore() throws Exception {
        try (GreylistdProcess greylistd = new GreylistdProcess(greylistdDir)) {
            greylistd.start(1, true);
            assertThat(greylistd.ask("--grey 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("true");
            assertThat(greylistd.ask("--grey 192.0.2.50 alice@example.org bob@example.net")).isEqualTo("true");
            assertThat(greylistd.ask("--grey 192.0.2.2 Carol@Example.org dave@example.net")).isEqualTo("true");
            assertThat(greylistd.ask("--grey 2001:db8:1:2::25 v6@example.org bob@example.net")).isEqualTo("true");
            // The DATA ACL for a bounce: the client and Exim's $recipients ("a, b").
            assertThat(greylistd.ask("--grey 203.0.113.9 bob@x.example, carol@x.example")).isEqualTo("true");
            assertThat(greylistd.tool("add", "--black", "198.51.100.7", "spam@bad.example", "victim@example.net"))
                    .isEqualTo("Added to blacklist");
            assertThat(greylistd.tool("add", "--white", "203.0.113.200")).isEqualTo("Added to whitelist");
            assertThat(greylistd.ask("bogus")).isEqualTo("grey");
            Thread.sleep(2100); // retryMin 1 s: greylistd promotes once first + retryMin < now
            assertThat(greylistd.ask("--grey 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("false");
            assertThat(greylistd.ask("--white 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("true");
            greylistd.stop();

            // A restart without savetriplets: greylistd forgets what it knew (new hash seed) and
            // records a new key whose clear text is kept nowhere.
            greylistd.start(1, false);
            assertThat(greylistd.ask("status 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("unseen");
            assertThat(greylistd.ask("status 198.51.100.7 spam@bad.example victim@example.net")).isEqualTo("unseen");
            assertThat(greylistd.ask("--grey 192.0.2.99 lost@example.org bob@example.net")).isEqualTo("true");
            greylistd.stop();
        }
        Map<String, Seen> files = greylistdFiles(greylistdDir.resolve("states"), greylistdDir.resolve("triplets"));
        assertThat(files).hasSize(8); // every hash with a triplet line; the ninth state has none

        ImportCli cli = new ImportCli(dataDir, WARDEN);
        ImportCli.Run dry = cli.run("import", "greylistd", "--states", greylistdDir.resolve("states").toString(),
                "--triplets", greylistdDir.resolve("triplets").toString(), "--dry-run");
        assertThat(dry.status()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would import 6 entries: 2 white, 3 grey, 1 black");
        assertThat(cli.entries()).isEmpty();

        ImportCli.Run run = cli.run("import", "greylistd", "--states", greylistdDir.resolve("states").toString(),
                "--triplets", greylistdDir.resolve("triplets").toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("read 9 entries from greylistd " + greylistdDir.resolve("states"))
                .contains("imported 6 entries into the greylist store: 2 white, 3 grey, 1 black")
                .contains("merged 1 entries into another with the same Warden key")
                .contains("1 entries have no line in " + greylistdDir.resolve("triplets"))
                .containsPattern(greylistdDir.resolve("states") + ":\\d+: 'bogus' is neither a client address or network nor a triplet");

        SortedMap<String, GreylistEntry> imported = cli.entries();
        assertThat(imported.keySet()).containsExactly(
                "192.0.2.0/24 alice@example.org bob@example.net",
                "192.0.2.0/24 carol@example.org dave@example.net",
                "198.51.100.0/24 spam@bad.example victim@example.net",
                "2001:db8:1:2:0:0:0:0/64 v6@example.org bob@example.net",
                "203.0.113.0/24",
                "203.0.113.0/24 <> bob@x.example,carol@x.example");
        // Each entry has greylistd's state, times and count; expiry is Warden's.
        expect(imported, "192.0.2.0/24 alice@example.org bob@example.net", files.get("192.0.2.1 alice@example.org bob@example.net"));
        expect(imported, "192.0.2.0/24 carol@example.org dave@example.net", files.get("192.0.2.2 carol@example.org dave@example.net"));
        expect(imported, "198.51.100.0/24 spam@bad.example victim@example.net", files.get("198.51.100.7 spam@bad.example victim@example.net"));
        expect(imported, "2001:db8:1:2:0:0:0:0/64 v6@example.org bob@example.net", files.get("2001:db8:1:2::25 v6@example.org bob@example.net"));
        expect(imported, "203.0.113.0/24", files.get("203.0.113.200"));
        expect(imported, "203.0.113.0/24 <> bob@x.example,carol@x.example", files.get("203.0.113.9 bob@x.example, carol@x.example"));
        assertThat(files.get("192.0.2.50 alice@example.org bob@example.net").state()).isEqualTo(GreylistState.GREY); // lost to the white one

        // Warden's own greylist, on the imported store, decides as greylistd did before its restart.
        try (GreylistStore store = cli.open()) {
            Greylist live = new Greylist(store, WARDEN, Clock.systemUTC());
            assertThat(live.check(NetworkKey.literal("192.0.2.77"), "alice@example.org", "bob@example.net"))
                    .isInstanceOf(GreylistResult.Pass.class);
            assertThat(live.check(NetworkKey.literal("198.51.100.7"), "spam@bad.example", "victim@example.net"))
                    .isInstanceOf(GreylistResult.Black.class);
            assertThat(live.check(NetworkKey.literal("192.0.2.2"), "carol@example.org", "dave@example.net"))
                    .isInstanceOf(GreylistResult.Grey.class);
            assertThat(live.check(NetworkKey.literal("203.0.113.45"), "anyone@example.org", "anybody@example.net"))
                    .isInstanceOf(GreylistResult.Pass.class);
        }

        // A second run changes nothing: what the store holds is kept.
        ImportCli.Run again = cli.run("import", "greylistd", "--states", greylistdDir.resolve("states").toString(),
                "--triplets", greylistdDir.resolve("triplets").toString(), "--json");
        JsonNode json = new ObjectMapper().readTree(again.out());
        assertThat(json.at("/kept").asInt()).isEqualTo(6);
        assertThat(json.at("/imported/white").asInt() + json.at("/imported/grey").asInt() + json.at("/imported/black").asInt()).isZero();
        assertThat(json.at("/lost/0/count").asInt()).isEqualTo(1);
    }

    @Test
    @Timeout(60)
    void aMalformedStatesLineNamesFileLineAndFixAndNothingIsWritten() throws Exception {
        try (GreylistdProcess greylistd = new GreylistdProcess(greylistdDir)) {
            greylistd.start(1, true);
            greylistd.ask("--grey 192.0.2.1 alice@example.org bob@example.net");
            greylistd.ask("--grey 192.0.2.2 carol@example.org dave@example.net");
            greylistd.stop();
        }
        Path states = greylistdDir.resolve("states");
        List<String> lines = Files.readAllLines(states);
        int grey = lines.indexOf("[grey]");
        lines.set(grey + 1, lines.get(grey + 1).replaceFirst("= (\\d+)", "= 17x95"));
        Files.write(states, lines);

        ImportCli cli = new ImportCli(dataDir, WARDEN);
        ImportCli.Run run = cli.run("import", "greylistd", "--states", states.toString(),
                "--triplets", greylistdDir.resolve("triplets").toString());
        assertThat(run.status()).isEqualTo(65);
        assertThat(run.err().lines().toList()).containsExactly(
                "error: " + states + ":" + (grey + 2) + ": '" + lines.get(grey + 1) + "' is not 'HASH = LASTSEEN FIRSTSEEN COUNT'"
                        + " (greylistd writes e.g. '-2412690117 = 1795482733 1795482733 2'): correct or delete the line",
                "error: nothing was imported: fix or delete the 1 line(s) above and run the import again");
        assertThat(run.out()).isEmpty();
        assertThat(cli.entries()).isEmpty();

        ImportCli.Run missing = cli.run("import", "greylistd", "--states", greylistdDir.resolve("nope").toString());
        assertThat(missing.status()).isEqualTo(66);
        assertThat(missing.err()).isEqualTo("error: " + greylistdDir.resolve("nope") + " does not exist;"
                + " name greylistd's states file with --states\n");
    }

    private static void expect(SortedMap<String, GreylistEntry> imported, String key, Seen seen) {
        GreylistEntry e = imported.get(key);
        assertThat(e).as(key).isNotNull();
        assertThat(e.state()).as(key).isEqualTo(seen.state());
        assertThat(e.firstSeen()).as(key).isEqualTo(Instant.ofEpochSecond(seen.first()));
        assertThat(e.lastSeen()).as(key).isEqualTo(Instant.ofEpochSecond(seen.last()));
        assertThat(e.requests()).as(key).isEqualTo(seen.count());
        Instant expires = seen.state() == GreylistState.GREY && key.contains(" ")
                ? Instant.ofEpochSecond(seen.first()).plus(WARDEN.timeout())
                : Instant.ofEpochSecond(seen.last()).plus(WARDEN.lifetime());
        assertThat(e.expires()).as(key).isEqualTo(expires);
    }

    /** greylistd's files joined by hash, by splitting lines (as greylistd's own list command does). */
    private static Map<String, Seen> greylistdFiles(Path states, Path triplets) throws Exception {
        Map<String, String> text = new HashMap<>();
        for (String line : Files.readAllLines(triplets)) {
            String[] kv = line.split(" = ", 2);
            if (kv.length == 2) text.put(kv[0], kv[1]);
        }
        Map<String, Seen> seen = new HashMap<>();
        String section = "";
        for (String line : Files.readAllLines(states)) {
            if (line.startsWith("[")) section = line.substring(1, line.indexOf(']'));
            String[] kv = line.split(" = ", 2);
            if (kv.length != 2 || section.equals("statistics") || !text.containsKey(kv[0])) continue;
            String[] v = kv[1].split(" ");
            seen.put(text.get(kv[0]), new Seen(GreylistState.parse(section), Long.parseLong(v[0]), Long.parseLong(v[1]), Long.parseLong(v[2])));
        }
        return seen;
    }
}
