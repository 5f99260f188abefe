package warden.door.postfix;

import warden.cli.ServeCommand;
import warden.config.ConfigLoader;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code serve} as a Postfix policy server only ({@code listen: []}, {@code doors.postfix} on
 * loopback TCP and a UNIX socket) for tests: a test DNS server that knows the clean client
 * 192.0.2.10 (mail.sender.example, forward-confirmed), a {@link TestClock}, the main log.
 */
public final class PolicyDoor implements AutoCloseable {

    public final TestDnsServer dns;
    public final TestClock clock = new TestClock();
    private final Path dir;
    private ServeCommand.Running running;

    public PolicyDoor(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.dns = TestDnsServer.start();
        dns.ptr(InetAddress.getByName("192.0.2.10"), "mail.sender.example").a("mail.sender.example", "192.0.2.10");
    }

    /**
     * Starts serve.
     *
     * @param door more keys of {@code doors.postfix}, e.g. {@code ", answer: greylist"}
     * @param extra more top-level YAML, e.g. {@code "policy: {max_delay: 0s}\n"}
     */
    public PolicyDoor start(String door, String extra) throws IOException {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen: []
                relay_networks: []
                data_dir: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                doors:
                  postfix: {listen: ["127.0.0.1:0", "unix:%s"]%s}
                %s""".formatted(dir.resolve("var"), dns.address().getPort(), dir.resolve("policy.sock"), door, extra));
        running = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(new ByteArrayOutputStream()), clock);
        return this;
    }

    /** The door's TCP address. */
    public Object tcp() {
        return running.doors().postfixAddresses().get(0);
    }

    /** The door's UNIX socket. */
    public Object unix() {
        return running.doors().postfixAddresses().get(1);
    }

    /** The main log so far. */
    public String log() {
        try {
            Path log = dir.resolve("var/log/mainlog");
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first main log line with every fragment, once there is one. */
    public String logLine(String... fragments) {
        return warden.testing.LogWait.line(this::log, fragments);
    }

    @Override
    public void close() {
        if (running != null) running.close();
        dns.close();
    }
}
