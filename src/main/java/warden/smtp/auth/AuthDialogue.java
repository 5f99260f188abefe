package warden.smtp.auth;

import warden.auth.Authenticator;
import warden.mail.Reply;
import warden.smtp.SessionServices;
import warden.smtp.SmtpInput;
import warden.smtp.auth.SaslExchange.Challenge;
import warden.smtp.auth.SaslExchange.Credentials;
import warden.smtp.auth.SaslExchange.Mechanism;
import warden.smtp.auth.SaslExchange.Refused;
import warden.smtp.auth.SaslExchange.Step;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One AUTH command, once the session has let it begin (EHLO given, inside TLS or allowed
 * without, not yet authenticated, no transaction): the {@link SaslExchange} over the session's
 * lines, the {@link Authenticator}'s answer, the {@link AuthThrottle}'s penalty, and the main-log
 * line ({@link AuthLogLine}). The session sends the final reply it returns.
 *
 * <p>A failed attempt waits its penalty (a sleep on the session's virtual thread, or a note in
 * {@code simulate}) before its 535; the attempt that reaches {@code auth.max_failures} gets 421
 * and the session closes; a network already over it gets 421 before any exchange. A backend
 * that cannot answer (or throws) is 454, never 535, and is not counted. The password is handed
 * to the backend and to nothing else.
 *
 * <h2>Standards</h2>
 * RFC 4954 sections 4 (the exchange; 334 challenges sent at once, since the client waits for
 * each: AUTH is never pipelined past a challenge) and 6 (the reply codes), RFC 4616, RFC 3463.
 */
public final class AuthDialogue {

    /** The session's side: its command lines and its replies. */
    public interface Lines {
        /**
         * The client's next line, read with {@link SaslExchange#LINE_MAX}: null at end of stream,
         * {@link SmtpInput#TOO_LONG} or {@link SmtpInput#NOT_UTF8} as {@link SmtpInput#readLine} says.
         */
        String read() throws IOException;

        /** Sends a challenge now (flushed: the client waits for it). */
        void challenge(Reply reply) throws IOException;
    }

    /** How the AUTH command ended. */
    public sealed interface Outcome permits Authenticated, Answered, Close, Gone {}

    /** Send 235: the session is authenticated as {@code user} (as the backend spells it). */
    public record Authenticated(String user, Mechanism mechanism, Reply reply) implements Outcome {}

    /**
     * Send {@code reply} and go on unauthenticated.
     *
     * @param protocolError whether it counts toward the session's error limit (bad syntax, bad
     *        BASE64, a cancel), as opposed to a wrong password (throttled instead) or a backend outage
     */
    public record Answered(Reply reply, boolean protocolError) implements Outcome {}

    /** Send {@code reply} (421) and close. */
    public record Close(Reply reply) implements Outcome {}

    /** The client went away in the middle. */
    public record Gone() implements Outcome {}

    private final Authenticator authenticator;
    private final AuthThrottle throttle;
    private final SessionServices.Pause pause;
    private final String hostname;
    private final Consumer<String> log;
    private final Consumer<String> note;

    /**
     * @param log the session's main-log line maker (it prefixes {@code H=... [ip]})
     * @param note what {@code simulate} shows on its {@code >>>} lines
     */
    public AuthDialogue(Authenticator authenticator, AuthThrottle throttle, SessionServices.Pause pause, String hostname,
                        Consumer<String> log, Consumer<String> note) {
        this.authenticator = authenticator;
        this.throttle = throttle;
        this.pause = pause;
        this.hostname = hostname;
        this.log = log;
        this.note = note;
    }

    /** Runs {@code AUTH argument} from {@code client} to its end. */
    public Outcome run(String argument, InetAddress client, Lines lines) throws IOException, InterruptedException {
        SaslExchange exchange = new SaslExchange();
        Step step = exchange.start(argument);
        if (throttle.blocked(client)) {
            Reply r = AuthReplies.tooManyFailures(hostname);
            log.accept(AuthLogLine.failed(exchange.mechanism(), Optional.empty(),
                    "too many failures from this address, not checked", r));
            return new Close(r);
        }
        while (step instanceof Challenge c) {
            lines.challenge(c.reply());
            String line = lines.read();
            if (line == null) return new Gone();
            if (line == SmtpInput.TOO_LONG) return aborted(exchange.mechanism(), "response over 12288 octets", AuthReplies.LINE_TOO_LONG);
            if (line == SmtpInput.NOT_UTF8) return aborted(exchange.mechanism(), "response is not BASE64", AuthReplies.BAD_BASE64);
            step = exchange.respond(line);
        }
        return switch (step) {
            case Refused r when r.failedCredentials() -> failed(client, r.mechanism(), r.user(), r.why());
            case Refused r -> aborted(r.mechanism(), r.why(), r.reply());
            case Credentials c -> check(client, c);
            case Challenge c -> throw new IllegalStateException("the loop ends only after the challenges");
        };
    }

    private Outcome check(InetAddress client, Credentials c) throws IOException, InterruptedException {
        Authenticator.Result result;
        try {
            result = authenticator.authenticate(c.user(), c.password());
        } catch (RuntimeException e) {
            // A backend bug is "could not tell", never "no" (and its message may not be safe to log whole).
            result = new Authenticator.Result.Unavailable("internal error in " + authenticator.describe() + ": "
                    + e.getClass().getSimpleName());
        }
        return switch (result) {
            case Authenticator.Result.Accepted a -> {
                throttle.succeeded(client);
                note.accept("authenticated as " + AuthLogLine.user(a.user()) + " with " + c.mechanism());
                yield new Authenticated(a.user(), c.mechanism(), AuthReplies.SUCCEEDED);
            }
            case Authenticator.Result.Rejected r -> failed(client, Optional.of(c.mechanism()), Optional.of(c.user()), r.why());
            case Authenticator.Result.Unavailable u -> {
                log.accept(AuthLogLine.unavailable(Optional.of(c.mechanism()), Optional.of(c.user()), u.why(),
                        AuthReplies.TEMPORARY_FAILURE));
                yield new Answered(AuthReplies.TEMPORARY_FAILURE, false);
            }
        };
    }

    private Outcome failed(InetAddress client, Optional<Mechanism> mechanism, Optional<String> user, String why)
            throws InterruptedException {
        AuthThrottle.Penalty penalty = throttle.failed(client);
        if (penalty instanceof AuthThrottle.Close) {
            Reply r = AuthReplies.tooManyFailures(hostname);
            log.accept(AuthLogLine.failed(mechanism, user, why, r));
            return new Close(r);
        }
        java.time.Duration delay = ((AuthThrottle.Delay) penalty).delay();
        note.accept("AUTH failed; 535 after a delay of " + delay.toMillis() + " ms");
        pause.pause(delay);
        log.accept(AuthLogLine.failed(mechanism, user, why, AuthReplies.INVALID_CREDENTIALS));
        return new Answered(AuthReplies.INVALID_CREDENTIALS, false);
    }

    private Outcome aborted(Optional<Mechanism> mechanism, String why, Reply reply) {
        log.accept(AuthLogLine.aborted(mechanism, why, reply));
        return new Answered(reply, true);
    }
}
