package warden.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run an SMTP dialogue on stdin/stdout as if from IP (like exim -bh); decisions on '>>> ' lines.")
public final class SimulateCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Parameters(index = "0", paramLabel = "IP", description = "the client address to pretend")
    String ip;

    @Override
    public Integer call() throws Exception {
        InetAddress client = Cidr.literal(ip);
        if (client == null) throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        WardenConfig c = config.load();
        PrintStream out = System.out;
        return run(c, client, System.in, out);
    }

    /** Runs one simulated session; the dialogue and the {@code >>>} lines go to {@code out}. */
    public static int run(WardenConfig c, InetAddress client, InputStream in, PrintStream out) throws Exception {
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
                for (String h : message.extraHeaders()) out.println(">>> header: " + h);
                return new DeliveryReport(java.util.List.of());
            }, delay -> { }, observer);
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
                @Override public void close() { out.flush(); }
            });
            session.run();
            return 0;
        }
    }
}
