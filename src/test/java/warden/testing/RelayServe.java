package warden.testing;

import warden.cli.ServeCommand;
import warden.config.ConfigLoader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code warden serve} in this JVM as a relay for outbound tests: {@code hostname: mx.warden.test},
 * an ephemeral loopback port, {@code data_dir} {@code dir/var}, DNS only through the test server,
 * no greylisting, {@code remote.test} routed to a {@link ScriptedSmtpServer}, and the console
 * (the main log) captured.
 */
public final class RelayServe implements AutoCloseable {

    public final ServeCommand.Running running;
    private final ByteArrayOutputStream console;

    private RelayServe(ServeCommand.Running running, ByteArrayOutputStream console) {
        this.running = running;
        this.console = console;
    }

    /**
     * Writes {@code dir/warden.yaml} and starts serve from it.
     *
     * @param extraYaml more top-level keys ({@code virtual_domains: ...}), each line ending in a newline
     */
    public static RelayServe start(Path dir, TestDnsServer dns, ScriptedSmtpServer peer, String extraYaml)
            throws IOException {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen: ["127.0.0.1:0"]
                data_dir: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                greylist: {enabled: false}
                routes:
                  remote.test: ["%s"]
                """.formatted(dir.resolve("var"), dns.address().getPort(), peer.hop()) + extraYaml);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        return new RelayServe(ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(console, true)), console);
    }

    /** A client connection to the server. */
    public Dialogue dialogue() throws IOException {
        return Dialogue.connect(running.server().boundAddresses().get(0));
    }

    /** Everything logged so far. */
    public String console() {
        return console.toString();
    }

    @Override
    public void close() {
        running.close();
    }
}
