package warden.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.mail.Cidr;
import warden.testing.Dialogue;
import warden.testing.ScriptedSmtpServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8 item 9, seed 004's "only outgoing mail from local accounts": {@code examples/send-only.yaml}
 * as shipped listens on loopback only and relays for loopback only; booted (with its port, data_dir
 * and a route to a loopback peer changed for the test), it takes mail from {@code warden sendmail}
 * and from a loopback SMTP client and delivers it out, while a client from outside, presented
 * through a PROXY listener added for the test, is refused 550 5.7.1.
 */
@Timeout(60)
class SendOnlyTest {

    static final Path EXAMPLE = Path.of("examples/send-only.yaml");

    @TempDir
    Path dir;
    ScriptedSmtpServer peer;
    ServeCommand.Running running;

    @AfterEach
    void stop() {
        if (running != null) running.close();
        if (peer != null) peer.close();
    }

    @Test
    void theExampleListensAndRelaysOnLoopbackOnly() throws Exception {
        WardenConfig c = ConfigLoader.parse(Files.readString(EXAMPLE), EXAMPLE.toString());
        assertThat(c.listen()).isNotEmpty();
        for (WardenConfig.Listener l : c.listen()) {
            assertThat(l.address().getAddress().isLoopbackAddress()).as(l.toString()).isTrue();
            assertThat(l.proxyProtocol()).isFalse();
        }
        assertThat(c.relayNetworks()).containsExactlyInAnyOrder(Cidr.parse("127.0.0.1"), Cidr.parse("::1"));
        assertThat(c.localDomains()).isEmpty();
        assertThat(c.outboundProblem()).isEmpty(); // a real FQDN: outbound delivery is not held
    }

    @Test
    void localMailGoesOutAndOutsideClientsAreRefused() throws Exception {
        peer = ScriptedSmtpServer.start();
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String example = Files.readString(EXAMPLE);
        assertThat(example).contains("\nlisten: [\"127.0.0.1:25\", \"[::1]:25\"]\n").contains("\ndata_dir: /var/lib/warden\n");
        Path config = dir.resolve("send-only.yaml");
        Files.writeString(config, example
                .replace("\nlisten: [\"127.0.0.1:25\", \"[::1]:25\"]\n",
                        "\nlisten: [\"127.0.0.1:" + port + "\", {address: \"127.0.0.1:0\", proxy_protocol: true}]\n")
                .replace("\ndata_dir: /var/lib/warden\n", "\ndata_dir: " + dir.resolve("var") + "\n")
                + "trusted_proxies: [127.0.0.1]\n"
                + "routes: {\"*\": [\"" + peer.hop() + "\"]}\n"
                + "dns: {servers: [\"127.0.0.1:9\"], timeout: 1s, retries: 0}\n");
        running = ServeCommand.start(ConfigLoader.load(config), new PrintStream(new ByteArrayOutputStream(), true));

        // a local program through sendmail: queued, then delivered out with our identity
        assertThat(sendmail(config, "To: someone@example.net\nSubject: from cron\n\nreport\n", "-t", "-i")).isZero();
        ScriptedSmtpServer.Message first = peer.awaitMessages(1, Duration.ofSeconds(15)).get(0);
        assertThat(first.recipients()).containsExactly("someone@example.net");
        assertThat(first.sender()).isEqualTo(System.getProperty("user.name") + "@web1.example.org");
        assertThat(first.text()).contains("Subject: from cron").contains("Message-ID: <").contains("report");
        assertThat(peer.sessions().get(first.session()).greeting()).contains("web1.example.org");

        // a local SMTP client (127.0.0.1 is in relay_networks)
        InetSocketAddress plain = running.server().boundAddresses().get(0);
        try (Dialogue d = Dialogue.connect(plain)) {
            d.inTransaction("app@web1.example.org", "customer@example.com").send("DATA").expect(354)
                    .raw("Subject: order\r\n\r\nthanks\r\n.\r\n").expect(250).send("QUIT").expect(221);
        }
        List<ScriptedSmtpServer.Message> both = peer.awaitMessages(2, Duration.ofSeconds(15));
        assertThat(both.get(1).recipients()).containsExactly("customer@example.com");

        // a client from outside (as a proxy in front would present it): no relaying, no local mailbox
        InetSocketAddress proxied = running.server().boundAddresses().get(1);
        try (Dialogue d = Dialogue.connect(proxied)) {
            d.raw("PROXY TCP4 192.0.2.7 127.0.0.1 40000 25\r\n").expect(220).send("EHLO outside.example").expect(250)
                    .send("MAIL FROM:<spammer@example.com>").expect(250)
                    .send("RCPT TO:<victim@example.net>").expect(550, "5.7.1")
                    .send("RCPT TO:<root@web1.example.org>").expect(550)
                    .send("QUIT").expect(221);
        }
        assertThat(peer.messages()).hasSize(2);
    }

    private static int sendmail(Path config, String input, String... args) {
        var cl = Warden.commandLine();
        ((SendmailCommand) cl.getSubcommands().get("sendmail").getCommand()).stdin =
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 3];
        all[0] = "sendmail";
        all[1] = "--config";
        all[2] = config.toString();
        System.arraycopy(args, 0, all, 3, args.length);
        int rc = cl.execute(all);
        assertThat(err.toString()).as("sendmail's stderr").isEmpty();
        return rc;
    }
}
