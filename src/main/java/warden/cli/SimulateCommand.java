package warden.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import warden.config.WardenConfig;
import warden.delivery.DeliveryReport;
import warden.mail.Cidr;
import warden.policy.Decision;
import warden.policy.Finding;
import warden.policy.Stage;
import warden.smtp.SessionObserver;
import warden.smtp.SessionServices;
import warden.smtp.SmtpSession;
import warden.smtp.SmtpSettings;
import warden.tls.TlsConnection;
import warden.tls.TlsServer;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.util.concurrent.Callable;

/**
 * {@code warden simulate IP}: what {@code exim -bh IP} does. An SMTP dialogue on standard input
 * and output as if the client connected from IP, through the real session and policy engine, with
 * every decision shown on lines starting {@code >>> }. Delays are reported, not waited; nothing is
 * delivered.
 *
 * <p>TLS is simulated, never negotiated (standard input is no TLS peer): with {@code --tls} the
 * session is under TLS from the start, as on port 465; without it, and with {@code tls.*}
 * configured, STARTTLS is offered and its "handshake" succeeds at once. Either way the session
 * then behaves as it would under real TLS (no STARTTLS offered, {@code with ESMTPS},
 * {@code X=TLS1.3:simulated}), which Exim's {@code -bh} cannot show.
 *
 * <p>{@code --auth USER} starts the session as if AUTH had succeeded for USER (no password is
 * asked or checked): relaying, the exemption from the HELO, DNS-list and greylist checks,
 * {@code auth.sender_login} and {@code with ESMTPSA} can be tried from a shell. An AUTH command
 * in the script is then refused as a second AUTH (503).
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run an SMTP dialogue on stdin/stdout as if from IP (like exim -bh); decisions on '>>> ' lines.")
public final class SimulateCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "IP", description = "the client address to pretend")
    String ip;

    @Option(names = "--tls", description = "simulate a session under TLS from the start (no handshake; X=TLS1.3:simulated)")
    boolean tls;

    @Option(names = "--auth", paramLabel = "USER",
            description = "simulate a session authenticated as USER from the start, as if AUTH had succeeded (no password asked)")
    String auth;

    /**
     * How the simulated client connects.
     *
     * @param tls under TLS from the first command, as {@code --tls} says
     * @param auth authenticated as this login from the first command, as {@code --auth USER} says
     */
    public record Options(boolean tls, java.util.Optional<String> auth) {
        public static final Options PLAIN = new Options(false);

        public Options(boolean tls) {
            this(tls, java.util.Optional.empty());
        }
    }

    /** The TLS a simulated session pretends: TLS 1.3, a cipher named {@code simulated}, no SNI. */
    static final TlsConnection SIMULATED_TLS = new TlsConnection(null, "TLSv1.3", "simulated", 0, java.util.Optional.empty());

    /** The TLS server of a simulation: never asked to shake hands (the simulated connection answers STARTTLS itself). */
    private static final TlsServer SIMULATED_SERVER = (socket, timeout) -> {
        throw new java.io.IOException("no handshake in a simulation");
    };

    @Override
    public Integer call() throws Exception {
        InetAddress client = Cidr.literal(ip);
        if (client == null) throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        WardenConfig c = config.load();
        PrintStream out = System.out;
        if (auth != null && (auth.isBlank() || auth.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f))) {
            throw new IllegalArgumentException("--auth needs a login name (no spaces only, no control characters)");
        }
        return run(c, client, new Options(tls, java.util.Optional.ofNullable(auth)), System.in, out);
    }

    /** Runs one simulated plaintext session; the dialogue and the {@code >>>} lines go to {@code out}. */
    public static int run(WardenConfig c, InetAddress client, InputStream in, PrintStream out) throws Exception {
        return run(c, client, Options.PLAIN, in, out);
    }

    /** Runs one simulated session as {@code options} say; the dialogue and the {@code >>>} lines go to {@code out}. */
    public static int run(WardenConfig c, InetAddress client, Options options, InputStream in, PrintStream out) throws Exception {
        try (Components components = Components.forTool(c, null)) {
            SessionObserver observer = new SessionObserver() {
                @Override
                public void decided(Stage stage, Decision d) {
                    for (Finding f : d.findings()) {
                        out.println(">>> " + stage.label() + ": " + f.check() + " " + f.outcome().name().toLowerCase()
                                + ": " + f.reason());
                    }
                    for (String h : d.headers()) out.println(">>> " + stage.label() + ": would add header " + h);
                    String verdict = d.refusal().map(r -> (d.disconnect() ? "drop: " : r.isTransient() ? "defer: " : "deny: ") + r)
                            .orElse("continue");
                    String delay = d.delay().isZero() ? "" : " after a delay of " + d.delay().toSeconds() + "s (not waited)";
                    out.println(">>> " + stage.label() + ": " + verdict + delay);
                    out.flush();
                }

                @Override
                public void note(String text) {
                    out.println(">>> " + text);
                    out.flush();
                }
            };
            SessionServices services = components.services(message -> {
                out.println(">>> message accepted for " + message.envelope().recipients() + " (" + message.content().size()
                        + " octets); not delivered in simulation");
                out.println(">>> received with " + message.trace().protocol()
                        + message.trace().encryption().map(e -> " (using " + e + ")").orElse(""));
                for (String h : message.extraHeaders()) out.println(">>> header: " + h);
                return new DeliveryReport(java.util.List.of());
            }, delay -> { }, observer)
                    .withTls(c.tls().configured() ? java.util.Optional.of(SIMULATED_SERVER) : java.util.Optional.empty());
            OutputStream sink = new OutputStream() {
                @Override public void write(int b) { out.write(b); }
                @Override public void write(byte[] b, int off, int len) { out.write(b, off, len); }
                @Override public void flush() { out.flush(); }
            };
            InetAddress local = InetAddress.getLoopbackAddress();
            SmtpSession session = new SmtpSession(SmtpSettings.from(c), services, new SmtpSession.Connection() {
                @Override public InputStream input() { return in; }
                // each reply before the next read: the dialogue reads in order even when standard
                // input holds the whole script
                @Override public boolean flushEveryReply() { return true; }
                @Override public OutputStream output() { return sink; }
                @Override public InetAddress clientAddress() { return client; }
                @Override public int clientPort() { return 0; }
                @Override public InetAddress localAddress() { return local; }
                @Override public java.util.Optional<TlsConnection> encryptedFromStart() {
                    if (!options.tls()) return java.util.Optional.empty();
                    out.println(">>> TLS simulated from the start: " + SIMULATED_TLS.protocol() + " (no handshake)");
                    return java.util.Optional.of(SIMULATED_TLS);
                }
                @Override public TlsConnection startTls(TlsServer server, java.time.Duration timeout) {
                    out.println(">>> STARTTLS: handshake simulated: " + SIMULATED_TLS.protocol() + " (no handshake)");
                    return SIMULATED_TLS;
                }
                @Override public java.util.Optional<String> simulatedLogin() { return options.auth(); }
                @Override public void close() { out.flush(); }
            });
            session.run();
            return 0;
        }
    }
}
