package warden.policy;

/**
 * The policy engine's view of one connection. It remembers what must outlive a stage (sticky
 * punishments, delays to repeat) so that a new HELO cannot wash a gross violation.
 * One per connection; called from that connection's thread only.
 */
public interface PolicySession {

    /** Decides {@code snapshot.stage()} for this connection. Never throws: a failing check defers. */
    Decision decide(SessionSnapshot snapshot);

    /**
     * Tells the engine that the client sent data before the 220 greeting (the session sees this
     * while it holds the banner back, e.g. during a connect delay). The answer is judged like a
     * connect-stage decision: wait its delay, then send its refusal (if any) instead of the 220,
     * and close if it says so. Never throws.
     */
    default Decision clientTalkedEarly() {
        return Decision.proceed();
    }

    /**
     * Tells the engine that the session has just started TLS (STARTTLS): RFC 3207 section 4.2
     * makes the server forget what the client said before the handshake, so what was judged of
     * its greeting and transaction no longer counts; what is known of its address (the connect
     * stage, sticky punishments, DNS) stays. The next greeting is judged afresh. Never throws.
     */
    default void tlsStarted() {}
}
