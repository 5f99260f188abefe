package warden.testing;

import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.dns.DnsjavaResolver;
import warden.delivery.MessageStore;
import warden.log.MainLog;
import warden.mail.Reply;
import warden.policy.DialoguePolicy;
import warden.policy.OwnIdentity;
import warden.policy.PolicyEngine;
import warden.recipient.RecipientVerdict;
import warden.recipient.RecipientVerifier;
import warden.recipient.Route;
import warden.smtp.SessionObserver;
import warden.smtp.SessionServices;
import warden.smtp.SmtpServer;
import warden.smtp.SmtpSettings;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A Warden SMTP server on an ephemeral loopback port for protocol tests, with its main log
 * captured. Built from YAML so tests exercise the real configuration path.
 */
public final class TestSmtp implements AutoCloseable {

    /** Accepts any address @example.test (to that user's mailbox), refuses the rest with 550 5.1.1. */
    public static final RecipientVerifier EXAMPLE_TEST = (address, mayRelay) ->
            address.toLowerCase().endsWith("@example.test")
                    ? new RecipientVerdict.Accepted(List.of(new Route.Mailbox(address.substring(0, address.indexOf('@')))))
                    : new RecipientVerdict.Refused(Reply.of(550, "5.1.1", "User unknown"), "unknown user");

    public final SmtpServer server;
    public final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final MainLog log;
    private static final java.util.concurrent.atomic.AtomicLong MARKERS = new java.util.concurrent.atomic.AtomicLong();

    public TestSmtp(String yaml, PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                    UnaryOperator<SmtpSettings> tweak) throws IOException {
        this(yaml, policy, recipients, store, tweak, Optional.empty());
    }

    /** A server whose STARTTLS and implicit-TLS ports shake hands with {@code tls} (e.g. a {@link TestTlsServer}). */
    public TestSmtp(String yaml, MessageStore store, warden.tls.TlsServer tls) throws IOException {
        this(yaml, PolicyEngine.permissive(), EXAMPLE_TEST, store, UnaryOperator.identity(), Optional.of(tls));
    }

    /**
     * A server with TLS and AUTH against {@code authenticator} ({@code yaml}'s {@code auth} settings
     * for the throttle and {@code sender_login}).
     */
    public TestSmtp(String yaml, MessageStore store, warden.tls.TlsServer tls, warden.auth.Authenticator authenticator)
            throws IOException {
        this(yaml, PolicyEngine.permissive(), EXAMPLE_TEST, store, UnaryOperator.identity(), s -> s.withTls(Optional.of(tls))
                .withAuth(warden.smtp.auth.AuthServices.from(config(yaml).auth(), Optional.of(authenticator), Clock.systemUTC())));
    }

    public TestSmtp(String yaml, PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                    UnaryOperator<SmtpSettings> tweak, Optional<warden.tls.TlsServer> tls) throws IOException {
        this(yaml, policy, recipients, store, tweak, s -> s.withTls(tls));
    }

    /** A server whose session services {@code adjust} changes (TLS, AUTH: {@link SessionServices#withAuth}). */
    public TestSmtp(String yaml, PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                    UnaryOperator<SmtpSettings> tweak, UnaryOperator<SessionServices> adjust) throws IOException {
        WardenConfig config = config(yaml);
        log = MainLog.console(new PrintStream(logBytes, true));
        SessionServices services = new SessionServices(policy, recipients, store, Optional.empty(), log,
                Clock.systemUTC(), SessionServices.Pause.SLEEP, SessionObserver.NONE);
        server = new SmtpServer(tweak.apply(SmtpSettings.from(config)), adjust.apply(services), config.listen());
        server.start();
    }

    /** The configuration {@code yaml} makes, as the server sees it (with the test host name and a free port). */
    public static WardenConfig parse(String yaml) {
        return config(yaml);
    }

    public TestSmtp(String yaml, MessageStore store) throws IOException {
        this(yaml, PolicyEngine.permissive(), EXAMPLE_TEST, store, UnaryOperator.identity());
    }

    /**
     * A server with the real policy engine, as {@code yaml}'s {@code policy} and {@code checks}
     * say, asking only {@code dns} (the test DNS server); the engine's lines go to {@code policyLog}.
     */
    public static TestSmtp withDialoguePolicy(String yaml, TestDnsServer dns, Consumer<String> policyLog) throws IOException {
        WardenConfig config = config(yaml);
        var resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(1), 0, 100, Clock.systemUTC());
        var policy = new DialoguePolicy(config.policy().settings(OwnIdentity.of(config.hostname(), Set.of(), Set.of())),
                resolver, policyLog);
        return new TestSmtp(yaml, policy, EXAMPLE_TEST, new RecordingStore(), UnaryOperator.identity());
    }

    private static WardenConfig config(String yaml) {
        return ConfigLoader.parse("hostname: mx.warden.test\n"
                + (yaml.contains("listen:") ? "" : "listen: [\"127.0.0.1:0\"]\n") + yaml, "test.yaml");
    }

    public InetSocketAddress address() {
        return server.boundAddresses().get(0);
    }

    /** The address of the {@code i}th listener (0 first), in the order of {@code listen}. */
    public InetSocketAddress address(int i) {
        return server.boundAddresses().get(i);
    }

    public Dialogue dialogue() throws IOException {
        return Dialogue.connect(address());
    }

    /**
     * The main log with every line logged before this call: a marker line is logged and waited for
     * (the writer keeps the order), so both {@code contains} and {@code doesNotContain} on the
     * result are sound. Lines a session logs after the client saw its reply (a session ending)
     * may come later: wait for those with {@link #awaitLog}.
     */
    public String log() {
        String marker = "test-log-marker-" + MARKERS.incrementAndGet();
        log.log(marker);
        String text = LogWait.until(logBytes::toString, marker);
        return text.replaceAll("(?m)^.*test-log-marker-\\d+\\R", "");
    }

    /** The main log once it contains every fragment (fails after {@link LogWait#DEADLINE}). */
    public String awaitLog(String... fragments) {
        return LogWait.until(logBytes::toString, fragments);
    }

    /** The first main-log line with every fragment, once there is one (fails after {@link LogWait#DEADLINE}). */
    public String awaitLine(String... fragments) {
        return LogWait.line(logBytes::toString, fragments);
    }

    @Override
    public void close() {
        server.close();
        log.close();
    }
}
