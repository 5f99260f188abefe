package warden.door.postfix;

import warden.mail.ClientText;
import warden.mail.Reply;
import warden.policy.Decision;
import warden.policy.DialoguePolicy;
import warden.policy.Finding;
import warden.policy.Verdict;

import java.util.Optional;

/**
 * A Warden decision as Postfix's access(5) action, the text after {@code action=}.
 *
 * <ul>
 *   <li>Continue: {@code DUNNO} ("not found": Postfix goes on with its restriction list, which is
 *       what "Warden has nothing against it" means; never {@code OK}, which would end the list,
 *       possibly before {@code reject_unauth_destination}), or {@code PREPEND Name: value} when
 *       the engine adds a header ({@code X-Greylist}, {@code X-DNSbl-Warning},
 *       {@code X-Helo-Check}). PREPEND does not end the list either.</li>
 *   <li>Greylisted: {@code DEFER_IF_PERMIT 4.7.1 <Warden's text>}, the greylisting action: Postfix
 *       defers only if the rest of its list would have accepted, so mail it rejects anyway is not
 *       told to come back.</li>
 *   <li>Another 4xx: {@code DEFER <code> <text>}; a 5xx: {@code REJECT <code> <text>}. Postfix
 *       replies with its {@code access_map_defer_code} (450) or {@code access_map_reject_code}
 *       (554) and Warden's enhanced status code and text.</li>
 *   <li>Drop (refuse and close): {@code 521 <code> <text>} (or {@code 421} for a 4xx), the access(5)
 *       actions (Postfix 2.6+) that reply and disconnect the client, as {@code serve} does.</li>
 * </ul>
 *
 * <p>A multi-line reply is joined into one line with {@code "; "}. The text is printable ASCII
 * ({@link ClientText#ascii}) and at most {@value #MAX_TEXT} characters, so that Postfix's reply
 * line stays under RFC 5321's 512 octets with its own prefix ({@code <rcpt>: Recipient address
 * rejected: }).
 *
 * @param text what follows {@code action=}
 */
record AccessAction(String text) {

    static final int MAX_TEXT = 400;

    static final AccessAction DUNNO = new AccessAction("DUNNO");

    /**
     * The answer to a malformed request: a temporary refusal, as Postfix itself does when a policy
     * server is unusable ({@code smtpd_policy_service_default_action} is
     * {@code 451 4.3.5 Server configuration problem}). {@code DUNNO} would let a broken client
     * (an Exim emulation missing a line, a proxy cutting requests) pass mail unjudged without
     * anybody noticing; a 5xx would turn "could not tell" into a permanent refusal. The reason is
     * in the log, never in the answer (it would echo the client's bytes).
     */
    static final AccessAction MALFORMED = new AccessAction("DEFER_IF_PERMIT 4.3.5 Warden policy: malformed request");

    /** The answer when Warden itself failed: a temporary refusal, never a permanent one. */
    static final AccessAction LOCAL_ERROR = new AccessAction("DEFER_IF_PERMIT 4.3.0 Warden policy: temporary local problem");

    /**
     * The action for a decision.
     *
     * @param d the decision
     * @param header the header to give with this answer, for a decision that lets the client go on
     */
    static AccessAction of(Decision d, Optional<String> header) {
        if (d.verdict() instanceof Verdict.Refuse refuse) {
            Reply reply = refuse.reply();
            String words = text(reply);
            if (refuse.disconnect()) return new AccessAction((reply.isTransient() ? "421 " : "521 ") + words);
            if (!reply.isTransient()) return new AccessAction("REJECT " + words);
            return new AccessAction((greylisted(d) ? "DEFER_IF_PERMIT " : "DEFER ") + words);
        }
        return header.map(h -> new AccessAction("PREPEND " + ClientText.ascii(h, MAX_TEXT))).orElse(DUNNO);
    }

    /** Whether the refusal is the greylist's (its finding failed: grey or black). */
    private static boolean greylisted(Decision d) {
        for (Finding f : d.findings()) {
            if (f.check().equals(DialoguePolicy.GREYLIST) && f.outcome() == Finding.Outcome.FAIL) return true;
        }
        return false;
    }

    /** The reply's enhanced status code and text, one line. */
    private static String text(Reply reply) {
        String joined = String.join("; ", reply.lines());
        String code = reply.status().isEmpty() ? (reply.isTransient() ? "4.7.1" : "5.7.1") : reply.status();
        return ClientText.ascii(code + " " + joined, MAX_TEXT);
    }

    /** Whether the action lets the client go on ({@code DUNNO} or {@code PREPEND}). */
    boolean passes() {
        return text.equals("DUNNO") || text.startsWith("PREPEND ");
    }

    @Override
    public String toString() {
        return text;
    }
}
