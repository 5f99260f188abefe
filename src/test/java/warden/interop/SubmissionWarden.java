package warden.interop;

import warden.cli.ServeCommand;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.testing.LogWait;
import warden.testing.ScriptedSmtpServer;
import warden.testing.TestCa;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code warden serve} in this JVM as the interop tests' server: one listener per role on
 * ephemeral loopback ports ({@code mx}, {@code submission}, {@code submissions}), a certificate
 * for {@value #NAME} (the SNI name the clients send), {@value #HOSTNAME} and 127.0.0.1 issued by the {@link TestCa} (a {@code fullchain.pem} with the
 * intermediate, as certbot writes it; clients trust {@link #caFile()}), {@code auth.passwd_file}
 * with {@value #USER}'s password hashed by Dovecot's {@code doveadm pw -s SHA512-CRYPT} (another
 * tool than Warden), the virtual domain {@code example.test} ({@code bob}) delivered to Maildirs,
 * and {@code remote.test} routed to a {@link ScriptedSmtpServer} that takes everything, so
 * relaying is seen to its end. No client is in {@code relay_networks} (relaying needs AUTH);
 * 127.0.0.1 is in {@code whitelist_hosts}, so the MX checks do not tarpit the test clients. DNS
 * only through a {@link TestDnsServer}; no greylisting.
 */
final class SubmissionWarden implements AutoCloseable {

    /** The name clients ask for (SNI) and verify; not the hostname, so that a log line naming it shows the SNI. */
    static final String NAME = "smtp.warden.test";
    static final String HOSTNAME = "mx.warden.test";
    static final String USER = "alice";
    static final String PASSWORD = "correct horse battery staple";

    private final Path dir;
    private final Path caFile;
    private final TestDnsServer dns;
    private final ScriptedSmtpServer remote;
    private final ServeCommand.Running running;
    private final Path mainlog;

    private SubmissionWarden(Path dir, Path caFile, TestDnsServer dns, ScriptedSmtpServer remote,
                             ServeCommand.Running running) {
        this.dir = dir;
        this.caFile = caFile;
        this.dns = dns;
        this.remote = remote;
        this.running = running;
        this.mainlog = dir.resolve("var/log/mainlog");
    }

    static SubmissionWarden start(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestCa ca = TestCa.get();
        Path caFile = ca.writeRoot(dir.resolve("ca.pem"));
        TestCa.PemPair pem = ca.leaf(TestCa.KeyType.EC, NAME, HOSTNAME, "127.0.0.1").write(dir.resolve("live"));
        Path passwd = Files.writeString(dir.resolve("passwd"), USER + ":" + doveadmHash(PASSWORD) + "\n");
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\n");
        Path whitelist = Files.writeString(dir.resolve("whitelist-hosts"), "127.0.0.1\n");
        TestDnsServer dns = TestDnsServer.start();
        ScriptedSmtpServer remote = null;
        try {
            remote = ScriptedSmtpServer.start();
            Path yaml = Files.writeString(dir.resolve("warden.yaml"), """
                    hostname: %s
                    listen:
                      - {address: "127.0.0.1:0", role: mx}
                      - {address: "127.0.0.1:0", role: submission}
                      - {address: "127.0.0.1:0", role: submissions}
                    relay_networks: []
                    whitelist_hosts: %s
                    data_dir: %s
                    virtual_domains: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                    greylist: {enabled: false}
                    routes:
                      remote.test: ["%s"]
                    tls:
                      certificate: %s
                      key: %s
                    auth:
                      passwd_file: %s
                    """.formatted(HOSTNAME, whitelist, dir.resolve("var"), virtual, dns.address().getPort(), remote.hop(),
                    pem.certificate(), pem.key(), passwd));
            ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml),
                    new PrintStream(new ByteArrayOutputStream(), true));
            return new SubmissionWarden(dir, caFile, dns, remote, running);
        } catch (Exception | Error e) {
            if (remote != null) remote.close();
            dns.close();
            throw e;
        }
    }

    /** {@code {SHA512-CRYPT}$6$...} from Dovecot's own tool, so the hash is not Warden's making. */
    static String doveadmHash(String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("doveadm", "pw", "-s", "SHA512-CRYPT", "-p", password).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("{SHA512-CRYPT}$6$")) {
            throw new AssertionError("doveadm pw failed (apt-get install dovecot-core; .ci/run does): " + out);
        }
        return out;
    }

    /** The port of the listener with {@code role}. */
    int port(WardenConfig.Role role) {
        return running.server().boundAddresses().get(role.ordinal()).getPort();
    }

    /** The PEM root certificate the clients trust. */
    Path caFile() {
        return caFile;
    }

    ScriptedSmtpServer remote() {
        return remote;
    }

    /** The main log so far. */
    String log() {
        try {
            return Files.readString(mainlog, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The first main-log line with every fragment, once there is one. */
    String awaitLine(String... fragments) {
        return LogWait.line(this::log, fragments);
    }

    /** The messages in {@code user}'s {@code Maildir/new}. */
    List<Path> delivered(String user) throws IOException {
        Path newDir = dir.resolve("var/mail").resolve(user).resolve("Maildir/new");
        if (!Files.isDirectory(newDir)) return List.of();
        try (Stream<Path> s = Files.list(newDir)) {
            return s.sorted().toList();
        }
    }

    /** Waits (bounded) until {@code user} has {@code count} messages. */
    List<Path> awaitDelivered(String user, int count) throws IOException, InterruptedException {
        long end = System.nanoTime() + LogWait.DEADLINE.toNanos();
        while (true) {
            List<Path> got = delivered(user);
            if (got.size() >= count) return got;
            if (System.nanoTime() > end) {
                throw new AssertionError(user + " has " + got.size() + " of " + count + " messages; main log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        running.close();
        remote.close();
        dns.close();
    }
}
