package warden.greylist.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.greylist.GreylistSettings;
import warden.greylist.NetworkKey;
import warden.policy.HostList;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden greylist import greylistd-whitelist|postgrey-whitelist}: the files Debian ships,
 * crafted files with every form, and a real postgrey asked about the same clients as the
 * converted list, which must agree wherever the report says the entry was taken.
 */
class WhitelistImportTest {

    @TempDir
    Path dir;

    ImportCli cli() { return new ImportCli(dir, GreylistSettings.defaults()); }

    @Test
    void greylistdsShippedWhitelistsConvertWhole() throws Exception {
        Path etc = Path.of("/etc/greylistd/whitelist-hosts");
        Path lib = Path.of("/var/lib/greylistd/whitelist-hosts");
        ImportCli.Run run = cli().run("import", "greylistd-whitelist", etc.toString(), lib.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("not taken: ");
        List<String> entries = run.out().lines().filter(l -> !l.startsWith("#")).toList();
        long expected = java.util.stream.Stream.of(etc, lib).flatMap(f -> {
            try {
                return Files.readAllLines(f).stream();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).map(l -> l.replaceFirst("\\s#.*", "").strip()).filter(l -> !l.isEmpty() && !l.startsWith("#")).distinct().count();
        assertThat(entries).hasSize((int) expected).contains("127.0.0.1", "64.12.137.0/24", "172.16.0.0/12");
        HostList list = HostList.parse("converted", entries, problem -> { throw new AssertionError(problem); });
        assertThat(list.matches(NetworkKey.literal("64.12.137.9"), Optional.empty())).isTrue();
        assertThat(list.matches(NetworkKey.literal("64.12.139.9"), Optional.empty())).isFalse();
    }

    @Test
    void everyEximFormIsTakenOrNamedWithFileAndLine() throws Exception {
        Path file = dir.resolve("whitelist-hosts");
        Files.write(file, List.of(
                "# header",
                "192.0.2.1            # one host",
                "10.0.0.0/255.0.0.0",
                "192.168.0",
                "*.debian.org",
                "gluck.debian.org",
                "^..crm[hx]c..\\.comcast\\.net",
                "!198.51.100.1",
                "+relay_from_hosts",
                "net24-lsearch;/etc/hosts.list",
                "2001:db8::/32",
                "bad_name!"));
        Path out = dir.resolve("warden-whitelist");
        ImportCli.Run run = cli().run("import", "greylistd-whitelist", "--output", out.toString(), file.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(Files.readAllLines(out)).containsExactly("# from exim hosts file " + file,
                "192.0.2.1", "10.0.0.0/8", "192.168.0.0/24", "*.debian.org", "gluck.debian.org", "2001:db8::/32");
        assertThat(run.err().lines().toList()).containsExactly(
                "not taken: " + file + ":7: '^..crm[hx]c..\\.comcast\\.net' is a regular expression on the host name;"
                        + " Warden's whitelist takes names with * (*.example.com): write the names it should match",
                "not taken: " + file + ":8: '!198.51.100.1' is a negation; Warden's whitelist has no exceptions: list the hosts to whitelist instead",
                "not taken: " + file + ":9: '+relay_from_hosts' is a named Exim list; copy the list's own entries",
                "not taken: " + file + ":10: 'net24-lsearch;/etc/hosts.list' is an Exim lookup; copy the entries it looks up",
                "not taken: " + file + ":12: 'bad_name!' is neither an address, a network (192.0.2.0/24) nor a host name"
                        + " (*.example.com) as Warden's whitelist takes them",
                "note: " + file + ":4: '192.168.0' taken as the network 192.168.0.0/24",
                "6 entries converted, 5 not taken");
        assertThat(run.out()).isEqualTo("wrote 6 entries to " + out + "; name it in whitelist_hosts:"
                + " (it exempts these clients from every check, not only greylisting)\n");

        ImportCli.Run again = cli().run("import", "greylistd-whitelist", "--output", out.toString(), file.toString());
        assertThat(again.status()).isEqualTo(73);
        assertThat(again.err()).endsWith("error: " + out + " exists: name a new file (then point whitelist_hosts at it), or delete it\n");
    }

    @Test
    void postgreysShippedClientListAndRecipientList() throws Exception {
        Path clients = Path.of("/etc/postgrey/whitelist_clients");
        Path recipients = Path.of("/etc/postgrey/whitelist_recipients");
        ImportCli.Run run = cli().run("import", "postgrey-whitelist", "--clients", clients.toString(), "--recipients", recipients.toString());
        assertThat(run.status()).as(run.err()).isZero();
        List<String> lines = Files.readAllLines(clients);
        List<String> regexLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).replaceFirst("#.*", "").strip().matches("/.+/")) regexLines.add(clients + ":" + (i + 1) + ":");
        }
        List<String> notTaken = run.err().lines().filter(l -> l.startsWith("not taken: ")).map(l -> l.substring(11)).toList();
        assertThat(notTaken.stream().filter(l -> l.startsWith(clients.toString())).map(l -> l.substring(0, l.indexOf(": '") + 1)))
                .containsExactlyElementsOf(regexLines);
        assertThat(notTaken.stream().filter(l -> l.startsWith(recipients.toString())).toList()).hasSize(2)
                .allMatch(l -> l.contains("is a recipient: Warden's whitelist is of client hosts"));
        List<String> entries = run.out().lines().filter(l -> !l.startsWith("#")).toList();
        assertThat(entries).contains("amazonses.com", "*.amazonses.com", "2a01:4180:4051:0800::/64", "51.4.72.0/24");
        HostList list = HostList.parse("converted", entries, problem -> { throw new AssertionError(problem); });
        assertThat(list.matches(NetworkKey.literal("192.0.2.1"), Optional.of("a11-22.smtp-out.amazonses.com"))).isTrue();
        assertThat(list.matches(NetworkKey.literal("192.0.2.1"), Optional.of("notamazonses.com"))).isFalse();
    }

    /** A client postgrey is asked about, and whether the converted list is expected to agree. */
    record Probe(String address, String name, boolean agrees) {}

    @Test
    @Timeout(120)
    void theConvertedListWhitelistsWhatPostgreyWhitelisted() throws Exception {
        Path clients = dir.resolve("whitelist_clients");
        Files.write(clients, List.of(
                "# local additions",
                "example.com",
                "192.0.2.5",
                "198.51.100.0/28",
                "203.0.113      # a /24",
                "10.1           # postgrey builds a /24 here",
                "2001:db8:5::/48",
                "/^mail\\d+\\.telekom\\.de$/",
                "not a host"));
        List<Probe> probes = List.of(
                new Probe("198.18.0.1", "mx.example.com", true), new Probe("198.18.0.1", "example.com", true),
                new Probe("198.18.0.1", "badexample.com", true), new Probe("192.0.2.5", "unknown", true),
                new Probe("192.0.2.6", "unknown", true), new Probe("198.51.100.15", "unknown", true),
                new Probe("198.51.100.16", "unknown", true), new Probe("203.0.113.200", "unknown", true),
                new Probe("10.1.0.9", "unknown", true), new Probe("10.1.7.5", "unknown", true),
                new Probe("2001:db8:5:1::1", "unknown", true), new Probe("2001:db8:6::1", "unknown", true),
                new Probe("198.18.0.1", "mail12.telekom.de", false));

        ImportCli.Run run = cli().run("import", "postgrey-whitelist", "--clients", clients.toString());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("not taken: " + clients + ":8: '/^mail\\d+\\.telekom\\.de$/' is a regular expression")
                .contains("not taken: " + clients + ":9: 'not a host' does not look like a host name")
                .contains("note: " + clients + ":6: '10.1' taken as 10.1.0.0/24");
        HostList converted = HostList.parse("converted", run.out().lines().toList(), problem -> { throw new AssertionError(problem); });

        Path postgreyDir = Files.createDirectories(dir.resolve("postgrey"));
        Files.copy(clients, postgreyDir.resolve("whitelist_clients"));
        try (PostgreyProcess postgrey = new PostgreyProcess(postgreyDir)) {
            postgrey.start();
            long now = Instant.now().getEpochSecond();
            int n = 0;
            for (Probe p : probes) {
                String action = postgrey.rcpt(now, p.address(), p.name(), "probe@example.org", "rcpt" + ++n + "@example.net");
                boolean postgreyWhitelists = action.equals("DUNNO");
                boolean wardenWhitelists = converted.matches(NetworkKey.literal(p.address()),
                        p.name().equals("unknown") ? Optional.empty() : Optional.of(p.name()));
                if (p.agrees()) {
                    assertThat(wardenWhitelists).as(p + " postgrey: " + action).isEqualTo(postgreyWhitelists);
                } else {
                    assertThat(postgreyWhitelists).as(p + " (the regex line, reported)").isTrue();
                    assertThat(wardenWhitelists).isFalse();
                }
            }
            postgrey.stop();
        }
    }
}
