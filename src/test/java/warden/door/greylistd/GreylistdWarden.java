package warden.door.greylistd;

import warden.cli.GreylistCommand;
import warden.cli.ServeCommand;
import warden.config.ConfigLoader;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistStores;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A Warden started as {@code serve} starts it, as a policy server only ({@code listen: []}) with
 * the greylistd door on a socket file under {@code dir} and on a loopback port, its DNS pointed at
 * a {@link TestDnsServer}, its clock a {@link TestClock}, greylist delay 60 s.
 */
final class GreylistdWarden implements AutoCloseable {

    final Path dir;
    final TestClock clock;
    final ServeCommand.Running running;
    final String store;

    private GreylistdWarden(Path dir, TestClock clock, ServeCommand.Running running, String store) {
        this.dir = dir;
        this.clock = clock;
        this.running = running;
        this.store = store;
    }

    /**
     * @param policy the {@code policy:} section (e.g. {@code {mode: report, max_delay: 0s}})
     * @param doorExtra more keys under {@code doors.greylistd} (e.g. {@code mode: "0600"})
     * @param store {@code sqlite} or a {@code redis://} URL
     */
    static GreylistdWarden start(Path dir, TestDnsServer dns, TestClock clock, String store, String policy, String doorExtra)
            throws Exception {
        return start(dir, dir.resolve("run/greylistd/socket"), dns, clock, store, policy, doorExtra);
    }

    /** As above, with the socket at {@code socket}. */
    static GreylistdWarden start(Path dir, Path socket, TestDnsServer dns, TestClock clock, String store, String policy,
                                 String doorExtra) throws Exception {
        Path bounces = Files.createDirectories(dir.resolve("bounce-rcpts"));
        Files.writeString(bounces.resolve("example.test"), "bob\ncarol\n"); // who may receive bounces
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen: []
                relay_networks: []
                data_dir: %s
                bounce_recipients: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                policy: %s
                greylist: {delay: 60s, store: "%s"}
                dnsbl:
                  lists: [bl.test*2]
                doors:
                  greylistd:
                    socket: %s
                    listen: "127.0.0.1:0"
                %s
                """.formatted(dir.resolve("var"), bounces, dns.address().getPort(), policy, store, socket,
                doorExtra.indent(4).stripTrailing()));
        ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(new ByteArrayOutputStream(), true), clock);
        return new GreylistdWarden(dir, clock, running, store);
    }

    static GreylistdWarden start(Path dir, TestDnsServer dns, TestClock clock) throws Exception {
        return start(dir, dns, clock, "sqlite", "{max_delay: 0s}", "");
    }

    Path socket() {
        return (Path) running.doors().greylistdAddresses().get(0);
    }

    InetSocketAddress tcp() {
        return (InetSocketAddress) running.doors().greylistdAddresses().get(1);
    }

    String ask(String request) throws IOException {
        return GreylistdClient.ask(socket(), request, GreylistdClient.Framing.SHUTDOWN);
    }

    String mainlog() {
        try {
            return Files.readString(dir.resolve("var/log/mainlog"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code warden greylist ARGS} on this Warden's store, as an operator runs it beside the server. */
    String greylistCommand(String... args) {
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new GreylistCommand(config -> new GreylistAdmin(
                GreylistStores.open(store, dir.resolve("var"), clock),
                running.components().config.greylist().settings(), clock)));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        cli.execute(args);
        return out.toString();
    }

    private boolean closed;

    /** Stops the server (once; a test may stop it early to see a client fail). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        running.close();
    }
}
