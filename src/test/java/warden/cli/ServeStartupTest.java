package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import warden.Warden;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.testing.Dialogue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a new user meets when starting the server: {@code serve --listen} and {@code --pid-file},
 * a port already held named with its fix, and {@code serve} refusing to start, as {@code config
 * check} reports, on a data_dir it cannot write or a list file or directory that is not there.
 */
class ServeStartupTest {

    @TempDir
    Path dir;

    private record Run(int rc, String out, String err) {}

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args);
        return new Run(rc, out.toString(), err.toString());
    }

    private Path config(String extra) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: mx.warden.test\ndata_dir: " + dir.resolve("var") + "\n"
                + "greylist: {enabled: false}\n" + extra);
        return yaml;
    }

    @Test
    void aPortAlreadyHeldIsNamedWithTheFixAndNoStackTrace() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + taken.getLocalPort();
            Run r = run("serve", "--config", config("").toString(), "--listen", address);
            assertThat(r.rc()).isNotZero();
            assertThat(r.err()).startsWith("warden serve: cannot listen on " + address + ": Address already in use")
                    .contains("fix: ").contains("--listen").doesNotContain("Exception").doesNotContain("\tat ");
            assertThat(r.err().lines().count()).isEqualTo(1);
            assertThat(Files.readString(dir.resolve("var/log/mainlog"))).doesNotContain("Warden started");
        }
    }

    @Test
    void listenOverridesTheConfiguredListenersAndThePidFileSaysWhenWeListen() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("var/virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\n");
        int port;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path pid = dir.resolve("warden.pid");
        ServeCommand serve = new ServeCommand();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        serve.console = new PrintStream(console, true);
        CommandLine cl = new CommandLine(serve);
        // the configuration says 127.0.0.1:1 (nobody may bind it here); --listen wins
        Path yaml = config("listen: [\"127.0.0.1:1\"]\n");
        Thread t = Thread.ofVirtual().start(() -> cl.execute("--config", yaml.toString(),
                "--listen", "127.0.0.1:" + port, "--pid-file", pid.toString()));
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(pid) && t.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertThat(pid).as("written once listening").exists();
            assertThat(Files.readString(pid).strip()).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            try (Dialogue d = Dialogue.connect(new InetSocketAddress("127.0.0.1", port))) {
                d.inTransaction("alice@example.org", "bob@example.test")
                        .send("DATA").expect(354)
                        .raw("From: alice@example.org\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\n\r\nhi\r\n.\r\n").expect(250);
            }
            assertThat(console.toString()).contains("listening on [127.0.0.1:" + port + "]");
        } finally {
            serve.stop();
            t.join(Duration.ofSeconds(30));
        }
        assertThat(t.isAlive()).isFalse();
        assertThat(pid).as("removed at shutdown").doesNotExist();
        try (var s = Files.list(dir.resolve("var/mail/bob/Maildir/new"))) {
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void aBadListenAddressIsAUsageError() throws Exception {
        Run r = run("serve", "--config", config("").toString(), "--listen", "localhost:25");
        assertThat(r.rc()).isEqualTo(2);
        assertThat(r.err()).contains("--listen 'localhost:25'").contains("not an IP address").contains("Usage: warden serve");
    }

    @Test
    void serveRefusesADataDirItCannotCreateWithTheReasonAndTheFix() throws Exception {
        Path yaml = dir.resolve("w.yaml");
        Files.writeString(yaml, "hostname: mx.warden.test\ndata_dir: /proc/forbidden\n");
        Run r = run("serve", "--config", yaml.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains(yaml + ":2: data_dir: /proc/forbidden does not exist and cannot be created in /proc: ")
                .contains("(fix: ").doesNotContain("Exception");
        Run check = run("config", "check", yaml.toString());
        assertThat(check.rc()).isEqualTo(1);
        assertThat(check.err()).contains(yaml + ":2: data_dir: /proc/forbidden does not exist and cannot be created");
    }

    @Test
    void aDataDirThatIsAFileOrCannotBeWrittenIsAProblem() throws Exception {
        Path file = Files.writeString(dir.resolve("plain"), "x");
        WardenConfig asFile = ConfigLoader.parse("hostname: mx.example.org\ndata_dir: " + file + "\n", "w.yaml");
        assertThat(Components.validateFiles(asFile)).singleElement().hasToString(
                "w.yaml: data_dir: " + file + " is not a directory (fix: create it for the user Warden runs as (install -d -o warden "
                        + file + ") or set data_dir)");
        // /proc exists and is not a place anyone can make a directory in, root included
        WardenConfig proc = ConfigLoader.parse("hostname: mx.example.org\ndata_dir: /proc\n", "w.yaml");
        assertThat(Components.validateFiles(proc)).singleElement().asString().contains("/proc is not writable: ");
    }

    @Test
    void aMistypedVirtualDomainsDirectoryStopsTheServerFromStarting() throws Exception {
        Path yaml = config("virtual_domains: " + dir.resolve("virtul") + "\nwhitelist_hosts: " + dir.resolve("no-such-list") + "\n");
        Run r = run("serve", "--config", yaml.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains(yaml + ":4: virtual_domains: " + dir.resolve("virtul") + " does not exist")
                .contains("fix: create the directory (one file per domain) or correct the path")
                .contains(yaml + ":5: whitelist_hosts: " + dir.resolve("no-such-list") + " does not exist")
                .doesNotContain("Exception");
        assertThat(dir.resolve("var/log/mainlog")).as("nothing started").doesNotExist();
        Run check = run("config", "check", yaml.toString());
        assertThat(check.rc()).isEqualTo(1);
        assertThat(check.err()).contains("2 problems:").contains("virtual_domains: ").contains("whitelist_hosts: ");
    }

    @Test
    void theDefaultVirtualDomainsDirectoryMayBeMissing() throws Exception {
        Run check = run("config", "check", config("").toString());
        assertThat(check.err()).isEmpty();
        assertThat(check.rc()).isZero();
    }

    @Test
    void aBounceRecipientsDirectoryThatIsMissingStopsTheServerToo() throws Exception {
        Path yaml = config("bounce_recipients: " + dir.resolve("bounce-rcpts") + "\n");
        Run r = run("serve", "--config", yaml.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("the bounce_recipients directory does not exist");
    }

    @Test
    void aMissingLocalUsersFileStopsTheServerAndConfigCheckNamesIt() throws Exception {
        Path yaml = config("local_users: " + dir.resolve("local-users") + "\n");
        Run r = run("serve", "--config", yaml.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains(dir.resolve("local-users") + ": the local_users file does not exist").contains("fix: ");
        assertThat(dir.resolve("var/log/mainlog")).as("nothing started").doesNotExist();
        Run check = run("config", "check", yaml.toString());
        assertThat(check.rc()).isEqualTo(1);
        assertThat(check.err()).contains("the local_users file does not exist");
    }

    @Test
    void runningAsRootIsWarnedAbout() throws Exception {
        WardenConfig c = ConfigLoader.parse("data_dir: /srv/warden\n", "w.yaml");
        assertThat(ServeCommand.rootWarning(0, c)).get().asString()
                .contains("running as root").contains("Dovecot").contains("packaging/warden.service");
        assertThat(ServeCommand.rootWarning(1000, c)).isEmpty();
        // and it reaches the main log when we are root (as in a container), not otherwise
        try (ServeCommand.Running running = ServeCommand.start(
                ConfigLoader.load(config("listen: [\"127.0.0.1:0\"]\n")), new PrintStream(new ByteArrayOutputStream()))) {
            assertThat(running.server().boundAddresses()).hasSize(1);
        }
        String mainlog = Files.readString(dir.resolve("var/log/mainlog"));
        if (ServeCommand.uid() == 0) assertThat(mainlog).contains("warning: running as root");
        else assertThat(mainlog).doesNotContain("running as root");
    }
}
