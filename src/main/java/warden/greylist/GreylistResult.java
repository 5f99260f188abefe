package warden.greylist;

import warden.mail.Reply;

import java.time.Duration;
import java.util.Optional;

/**
 * The answer to one greylist question: pass, grey (defer), black (deny), or unavailable (the
 * store failed and the configured degradation applies).
 *
 * <p>Each answer carries the reply to send instead of the stage's normal one, if any, so the
 * caller has one path from result to SMTP reply. The texts are those of the Debian greylistd
 * Exim ACL, which senders' postmasters have seen for twenty years.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.2.5 (451 and 550), RFC 3463 (4.7.1/5.7.1 delivery not authorized,
 * 4.3.0 mail system status), RFC 6647 section 6 (the {@code X-Greylist}-style trace header).
 */
public sealed interface GreylistResult {

    /** The reply to send instead of accepting, or empty to accept. */
    Optional<Reply> reply();

    /** Short name for logs: {@code pass}, {@code grey}, {@code black}, {@code unavailable}. */
    String label();

    /**
     * The mail passes.
     *
     * @param delayed how long the triplet was deferred before it turned white (zero if it never was)
     * @param promoted whether this very request moved the triplet from grey to white
     * @param byNetwork whether it passed because its client network is whitelisted
     */
    record Pass(Duration delayed, boolean promoted, boolean byNetwork) implements GreylistResult {
        public Optional<Reply> reply() { return Optional.empty(); }
        public String label() { return "pass"; }

        /** {@code X-Greylist: delayed 73 seconds by Warden}, for mail that was deferred; empty otherwise. */
        public Optional<String> header() {
            if (delayed.isZero() || delayed.isNegative()) return Optional.empty();
            return Optional.of("X-Greylist: delayed " + delayed.toSeconds() + " seconds by Warden");
        }
    }

    /**
     * The triplet is grey: defer with a 451.
     *
     * @param retryAfter how long until a retry would pass (zero or more)
     * @param refusal the 451 reply
     */
    record Grey(Duration retryAfter, Reply refusal) implements GreylistResult {
        public Optional<Reply> reply() { return Optional.of(refusal); }
        public String label() { return "grey"; }
    }

    /**
     * The triplet or its network is black: deny with a 550.
     *
     * @param refusal the 550 reply
     */
    record Black(Reply refusal) implements GreylistResult {
        public Optional<Reply> reply() { return Optional.of(refusal); }
        public String label() { return "black"; }
    }

    /**
     * The store could not answer. The caller logs {@code reason} and accepts (empty reply) or
     * defers (a 451 4.3.0), as configured; it never rejects.
     */
    record Unavailable(String reason, Optional<Reply> reply) implements GreylistResult {
        public String label() { return "unavailable"; }
    }
}
