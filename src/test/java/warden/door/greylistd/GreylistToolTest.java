package warden.door.greylistd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * greylistd's own {@code greylist} tool (Debian package {@code greylistd}, {@code /usr/bin/greylist})
 * against Warden's door, unchanged but for the path of its configuration file (hard-coded as
 * {@code /etc/greylistd/config}; the copy reads a temporary one whose {@code [socket] path} is
 * Warden's socket). Every exchange whose answer does not depend on time is sent to a real
 * greylistd too, started on its own socket, and must be answered the same.
 *
 * <p>The shipped tool (Python 3) takes its exit status from the first word of the answer as
 * bytes and looks it up among strings, so it exits 0 for every answer, {@code grey} and
 * {@code error:} included, and 1 only when no answer comes (checked by hand against greylistd).
 */
@Timeout(300) // a dozen runs of a Python program, each a second or more on a loaded machine
class GreylistToolTest {

    /** The interpreter greylistd's #! line names; a "python3" on PATH may be a pyenv shim taking seconds to start. */
    private static final String PYTHON = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3"))
            ? "/usr/bin/python3" : "python3";


    private static final Path TOOL = Path.of("/usr/bin/greylist");
    private static final Path DAEMON = Path.of("/usr/sbin/greylistd");

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    /** A copy of the tool that reads {@code config} instead of /etc/greylistd/config. */
    private Path tool(String name, Path socket) throws IOException {
        assertThat(TOOL).as("greylistd's greylist tool (apt-get install greylistd)").isExecutable();
        Path config = dir.resolve(name + ".config");
        Files.writeString(config, "[socket]\npath = " + socket + "\n");
        String script = Files.readString(TOOL);
        assertThat(script).contains("conffile = \"/etc/greylistd/config\"");
        Path copy = dir.resolve(name + "-greylist");
        Files.writeString(copy, script.replace("conffile = \"/etc/greylistd/config\"", "conffile = \"" + config + "\""));
        return copy;
    }

    private Run run(Path tool, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, tool.toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("greylist " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A private greylistd (retryMin one hour: nothing turns white during the test) on its own socket. */
    private Process greylistd(Path socket) throws Exception {
        assertThat(DAEMON).as("greylistd (apt-get install greylistd)").exists();
        Path config = dir.resolve("greylistd.conf");
        Files.writeString(config, """
                [timeouts]
                retryMin = 3600
                [socket]
                path = %s
                mode = 0660
                [data]
                statefile = %s
                tripletfile = %s
                """.formatted(socket, dir.resolve("states"), dir.resolve("triplets")));
        Process p = new ProcessBuilder(PYTHON, DAEMON.toString(), config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("greylistd.log").toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(socket) && System.nanoTime() < until && p.isAlive()) Thread.sleep(20);
        assertThat(socket).as("greylistd's socket; its log: %s", dir.resolve("greylistd.log")).exists();
        return p;
    }

    /**
     * The same requests, framed as the tool frames them (its arguments joined by spaces, no
     * newline, the socket left open), to greylistd and to Warden: the same answers, byte for byte.
     * The tool itself then runs against Warden (a Python start-up per run: a few runs only).
     */
    @Test
    void everyTimelessAnswerIsGreylistdsAndTheToolPrintsIt() throws Exception {
        Path theirs = dir.resolve("greylistd.sock");
        Process daemon = greylistd(theirs);
        try (TestDnsServer dns = TestDnsServer.start(); GreylistdWarden w = GreylistdWarden.start(dir.resolve("warden"), dns, new TestClock())) {
            String[] table = {
                    "update 192.0.2.1 alice@example.org bob@example.net",
                    "check --grey 192.0.2.1 alice@example.org bob@example.net",
                    "check --white 192.0.2.1 alice@example.org bob@example.net",
                    "update --black 192.0.2.1 alice@example.org bob@example.net",
                    "status 192.0.2.1 alice@example.org bob@example.net",
                    "status 192.0.2.9 x@y z@w",
                    "UPDATE 192.0.2.2 Carol@Example.ORG dave@example.net",
                    "status 192.0.2.2 carol@example.org dave@example.net",
                    "add --black 198.51.100.7 spam@bad.example victim@example.net",
                    "update 198.51.100.7 spam@bad.example victim@example.net",
                    "check --black 198.51.100.7 spam@bad.example victim@example.net",
                    "delete 198.51.100.7 spam@bad.example victim@example.net",
                    "delete 203.0.113.5 a b",
                    "update bogus",
                    "add --grey bogus",
                    "add --white bogus",
                    "status bogus",
                    "bogus",
                    "add",
                    "stats extra",
                    "check --purple x",
                    "add --purple x",
                    "list --purple",
                    "clear --purple",
                    "save",
                    "reload",
            };
            for (String request : table) {
                String expected = GreylistdClient.ask(theirs, request, GreylistdClient.Framing.OPEN);
                assertThat(GreylistdClient.ask(w.socket(), request, GreylistdClient.Framing.OPEN)).as(request).isEqualTo(expected);
            }
            Path tool = tool("warden", w.socket());
            assertThat(run(tool, "update", "192.0.2.3", "Alice@example.org", "bob@example.net")).isEqualTo(new Run(0, "grey\n", ""));
            assertThat(run(tool, "check", "--black", "192.0.2.3", "alice@example.org", "bob@example.net"))
                    .isEqualTo(new Run(0, "false\n", ""));
            assertThat(run(tool, "delete", "203.0.113.5", "a", "b")).isEqualTo(new Run(0, "error: Not found\n", ""));
        } finally {
            daemon.destroy();
            daemon.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void listStatsMrtgAndTheExitStatusWithoutAnAnswer() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             GreylistdWarden w = GreylistdWarden.start(dir, dns, new TestClock(Instant.parse("2026-12-03T06:00:00Z")))) {
            Path tool = tool("warden", w.socket());
            Run empty = run(tool, "list");
            assertThat(empty).as("greylistd sends nothing for an empty list").isEqualTo(new Run(1, "\n", "(No response from greylistd)\n"));

            assertThat(run(tool, "update", "192.0.2.1", "alice@example.org", "bob@example.net")).isEqualTo(new Run(0, "grey\n", ""));
            w.clock.advance(Duration.ofSeconds(61));
            assertThat(run(tool, "update", "192.0.2.1", "alice@example.org", "bob@example.net")).isEqualTo(new Run(0, "white\n", ""));
            assertThat(run(tool, "add", "--black", "198.51.100.7")).isEqualTo(new Run(0, "Added to blacklist\n", ""));
            assertThat(run(tool, "check", "198.51.100.9", "x@bad.example", "y@example.net")).as("the network is black")
                    .isEqualTo(new Run(0, "black\n", ""));

            Run list = run(tool, "list", "--white", "--black");
            assertThat(list.exit()).isZero();
            assertThat(list.out()).isEqualTo("""

                    Whitelist data:
                    ===============
                      Last Seen            Count  Data
                      2026-12-03 06:01:01      2  192.0.2.0/24 alice@example.org bob@example.net

                    Blacklist data:
                    ===============
                      Last Seen            Count  Data
                      2026-12-03 06:01:01      1  198.51.100.0/24

                    """);
            Run stats = run(tool, "stats");
            assertThat(stats.exit()).isZero();
            assertThat(stats.out()).startsWith("Statistics\n----------\n1 items, matching 2 requests, are currently whitelisted\n")
                    .contains("Of 1 items that were initially greylisted:\n - 1 (100.0%) became whitelisted\n");
            Run mrtg = run(tool, "mrtg");
            assertThat(mrtg.out().lines().limit(3).toList()).containsExactly("1", "1", "1 minute and 1 second");

            Path socket = w.socket();
            w.close();
            Run down = run(tool, "update", "192.0.2.1", "alice@example.org", "bob@example.net");
            assertThat(down.exit()).isEqualTo(1);
            assertThat(down.err()).startsWith(socket + ": ");
        }
    }
}
