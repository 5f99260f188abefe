package warden.door.postfix;

import warden.config.WardenConfig;
import warden.door.DoorConnection;
import warden.door.DoorEngines;
import warden.door.DoorListener;
import warden.mail.IpText;
import warden.policy.Check;
import warden.policy.Decision;
import warden.policy.Finding;
import warden.policy.PolicyEngine;
import warden.policy.Stage;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Postfix's SMTPD access policy delegation ({@code check_policy_service}, SMTPD_POLICY_README) in
 * front of Warden's engine: a drop-in for postgrey ({@code doors.postfix.answer: greylist}) or
 * the whole engine ({@code answer: engine}: HELO and client checks, DNS lists, bogus bounces,
 * greylisting).
 *
 * <p><b>Protocol.</b> Many requests per connection, each {@code name=value} lines and an empty
 * line ({@link RequestReader}), each answered {@code action=...} and an empty line, in order.
 * Postfix keeps the connection for up to {@code smtpd_policy_service_max_idle} (300 s); the door
 * lets it stay silent between requests for {@value #IDLE_SECONDS} s, and for
 * {@value #REQUEST_SECONDS} s inside a request. A malformed request (no
 * {@code request=smtpd_access_policy}, a line without {@code =}, an oversized or binary one, the
 * input ending inside one) is answered {@link AccessAction#MALFORMED} and logged, never left
 * unanswered (postgrey's defect: the MTA then waits for its timeout, twice, and 451s the mail);
 * when its framing was lost the connection is then closed.
 *
 * <p><b>Sessions.</b> One Postfix {@code instance} is one transaction of one Warden
 * {@link warden.policy.PolicySession} ({@link PostfixSession}), kept in a bounded, expiring map
 * ({@link PostfixSessions}) under {@code instance} and {@code client_address}. Postfix makes a new
 * {@code instance} at every MAIL FROM, and sends the requests of one SMTP session over one policy
 * connection in order; so a new {@code instance} on the same policy connection, from the same
 * client address and port (Postfix 3.0+ sends {@code client_port}), continues the same session:
 * sticky punishments and the DNS lists' answer last for the SMTP connection, as in {@code serve}.
 * The engine looks the client up with its own resolver: {@code client_name} is not trusted, as
 * Postfix writes {@code unknown} for a temporary lookup failure too, and a tempfail must never
 * become a permanent refusal.
 *
 * <p><b>Answers</b> ({@link AccessAction}): {@code DUNNO}, {@code PREPEND} (one header per answer,
 * each once per transaction), {@code DEFER_IF_PERMIT} (greylisted), {@code DEFER}, {@code REJECT},
 * {@code 521}/{@code 421} (drop). A delay the engine asks for is waited on the connection's
 * virtual thread before answering, at most {@code doors.postfix.max_delay} (default 90 s, below
 * Postfix's 100 s {@code smtpd_policy_service_timeout}); a repeated question (the same recipient
 * asked twice) is answered again without a second delay. Headers decided at DATA ({@code X-Greylist}
 * after a greylisted message comes back) and bounces (greylisted at DATA) need
 * {@code check_policy_service} in {@code smtpd_data_restrictions} as well as in
 * {@code smtpd_recipient_restrictions}. At END-OF-MESSAGE no header can be given (Postfix ignores
 * PREPEND there).
 *
 * <p><b>Report mode</b> ({@code policy.mode: report}, {@link DoorEngines#report()}): every request
 * is judged as in enforce mode and answered {@code DUNNO} at once; one log line says what would
 * have been answered, after which delay, and why.
 */
public final class PolicyServer implements DoorListener.Handler {

    public static final int IDLE_SECONDS = 330;
    static final int REQUEST_SECONDS = 100;
    private static final Duration IDLE = Duration.ofSeconds(IDLE_SECONDS);
    private static final Duration REQUEST = Duration.ofSeconds(REQUEST_SECONDS);
    /** How long, and how much, the door reads and discards after answering a request whose framing was lost. */
    private static final Duration DRAIN = Duration.ofSeconds(10);
    private static final int DRAIN_BYTES = 1 << 20;

    private final WardenConfig.PostfixDoor settings;
    private final DoorEngines engines;
    private final PolicyEngine engine;
    private final PostfixSessions sessions;

    public PolicyServer(WardenConfig.PostfixDoor settings, DoorEngines engines) {
        this(settings, engines, new PostfixSessions(PostfixSessions.CAPACITY, PostfixSessions.IDLE, engines.clock()));
    }

    PolicyServer(WardenConfig.PostfixDoor settings, DoorEngines engines, PostfixSessions sessions) {
        this.settings = settings;
        this.engines = engines;
        this.engine = settings.answer() == WardenConfig.PolicyAnswer.GREYLIST ? engines.greylistOnly() : engines.engine();
        this.sessions = sessions;
    }

    /** The SMTP session the last request of one policy connection was about. */
    private static final class Conversation {
        PostfixSession current;
    }

    @Override
    public void serve(DoorConnection connection) throws Exception {
        RequestReader reader = new RequestReader(connection.input());
        OutputStream out = connection.output();
        Conversation conversation = new Conversation();
        while (true) {
            connection.deadline(IDLE);
            RequestReader.Read read = reader.next(() -> connection.deadline(REQUEST));
            switch (read) {
                case RequestReader.End end -> {
                    return;
                }
                case RequestReader.Malformed m -> {
                    engines.log().accept("postfix-policy " + connection.peer() + ": malformed request: " + m.reason()
                            + "; answered " + AccessAction.MALFORMED + (m.resync() ? "" : "; closing the connection"));
                    write(out, AccessAction.MALFORMED);
                    if (!m.resync()) {
                        connection.drain(DRAIN, DRAIN_BYTES);
                        return;
                    }
                }
                case RequestReader.Request q -> write(out, answer(q.request(), conversation, connection));
            }
        }
    }

    private static void write(OutputStream out, AccessAction action) throws IOException {
        out.write(("action=" + action.text() + "\n\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * After answering a request whose framing was lost: tells the client there is no more (FIN
     * after the answer) and reads what it still sends for a while, so that closing with unread
     * input does not reset the connection and destroy the answer before the client reads it.
     */

    /** Judges one request and waits its delay; never throws but for an interrupt (shutdown). */
    private AccessAction answer(PolicyRequest r, Conversation conversation, DoorConnection connection) throws InterruptedException {
        try {
            Optional<Stage> stage = r.stage();
            if (stage.isEmpty()) {
                String state = r.protocolState();
                if (!state.equals("VRFY") && !state.equals("ETRN")) {
                    engines.log().accept("postfix-policy " + connection.peer() + ": protocol_state="
                            + Check.oneLine(r.get("protocol_state")) + " is not one Warden judges; answered DUNNO");
                }
                return AccessAction.DUNNO;
            }
            Optional<InetAddress> client = r.clientAddress();
            if (client.isEmpty()) {
                engines.log().accept("postfix-policy " + connection.peer() + ": malformed request: client_address="
                        + Check.oneLine(r.get("client_address")) + " is not an IP address; answered " + AccessAction.MALFORMED);
                return AccessAction.MALFORMED;
            }
            PostfixSession s = session(r, client.get(), conversation);
            PostfixSession.Judged judged;
            AccessAction action;
            s.lock().lock();
            try {
                judged = s.decide(r, stage.get());
                Decision d = judged.decision();
                Optional<String> header = d.refusal().isEmpty() && !r.endOfMessage() ? s.nextHeader(d.headers()) : Optional.empty();
                action = AccessAction.of(d, header);
            } finally {
                s.lock().unlock();
            }
            return serve(r, client.get(), judged, action, connection);
        } catch (RuntimeException e) {
            engines.log().accept("postfix-policy " + connection.peer() + ": internal error, answered "
                    + AccessAction.LOCAL_ERROR + ": " + Check.oneLine(e.toString()));
            return AccessAction.LOCAL_ERROR;
        }
    }

    /** Logs the answer, waits the delay (capped) and gives the answer; in report mode logs what would be and passes. */
    private AccessAction serve(PolicyRequest r, InetAddress client, PostfixSession.Judged judged, AccessAction action,
                               DoorConnection connection) throws InterruptedException {
        Decision d = judged.decision();
        Duration asked = judged.fresh() ? d.delay() : Duration.ZERO;
        Duration delay = asked.compareTo(settings.maxDelay()) > 0 ? settings.maxDelay() : asked;
        String what = "postfix-policy " + IpText.bracketed(client) + " " + describe(r);
        if (engines.report()) {
            engines.log().accept(what + ": would answer " + action
                    + (delay.isPositive() ? " after a delay of " + delay.toSeconds() + "s" : "") + because(d) + "; answered DUNNO");
            return AccessAction.DUNNO;
        }
        if (delay.isPositive()) {
            if (asked.compareTo(delay) > 0) {
                engines.log().accept(what + ": delay " + asked.toSeconds() + "s capped at " + delay.toSeconds()
                        + "s by doors.postfix.max_delay");
            }
            connection.deadline(IDLE.plus(delay));
            Thread.sleep(delay);
        }
        if (action != AccessAction.DUNNO) engines.log().accept(what + ": " + action + because(d));
        return action;
    }

    /**
     * The session the request is about: the one of its transaction; else the one the previous
     * request on this policy connection was about, if it is the same SMTP connection (a new
     * transaction, or the first after pre-MAIL requests); else a new one.
     */
    private PostfixSession session(PolicyRequest r, InetAddress client, Conversation conversation) {
        Instant now = engines.clock().instant();
        String instance = r.instance();
        PostfixSessions.Key key = instance.isEmpty() ? null : new PostfixSessions.Key(instance, r.get("client_address"));
        PostfixSession s = key == null ? null : sessions.get(key);
        if (s == null) {
            PostfixSession previous = conversation.current;
            boolean same = previous != null && previous.origin().equals(r.origin())
                    && (r.originHasPort() || previous.instance().isEmpty());
            s = same ? previous : new PostfixSession(engine.open(client), client, r.origin(), now);
            if (key != null) sessions.put(key, s);
        }
        s.used(now);
        conversation.current = s;
        return s;
    }

    /** {@code rcpt <alice@example.org> -> <bob@example.net>} for log lines; client text escaped. */
    private static String describe(PolicyRequest r) {
        StringBuilder b = new StringBuilder(r.protocolState().toLowerCase(java.util.Locale.ROOT));
        if (r.stage().map(s -> s.compareTo(Stage.MAIL) >= 0).orElse(false)) b.append(" <").append(r.sender()).append('>');
        r.recipient().ifPresent(rcpt -> b.append(" -> <").append(rcpt).append('>'));
        if (!r.get("queue_id").isEmpty()) b.append(" queue_id=").append(r.get("queue_id"));
        return Check.oneLine(b.toString());
    }

    /** {@code ; because helo-our-hostname fail: ...; greylist fail: ...} (the findings that cost something). */
    private static String because(Decision d) {
        StringBuilder b = new StringBuilder();
        for (Finding f : d.findings()) {
            if (f.outcome() != Finding.Outcome.FAIL && f.outcome() != Finding.Outcome.TEMPFAIL) continue;
            b.append(b.isEmpty() ? "; because " : "; ").append(f.check()).append(' ').append(f.outcome().label())
                    .append(": ").append(Check.oneLine(f.reason()));
        }
        return b.toString();
    }
}
