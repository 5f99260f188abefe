package warden.policy;

import warden.mail.Reply;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the policy engine decided at one stage: go on, defer, reject or drop; how long to delay
 * first; which headers to add to the message; and every finding behind it (for logs and
 * {@code simulate}).
 *
 * @param verdict what to do
 * @param delay how long to wait before answering (zero for none); never longer than the client's timeout
 * @param headers header lines ({@code Name: value}) to add to the message when it is accepted
 * @param findings every finding of every check run at this stage, in order
 */
public record Decision(Verdict verdict, Duration delay, List<String> headers, List<Finding> findings) {

    public Decision {
        headers = List.copyOf(headers);
        findings = List.copyOf(findings);
    }

    /** Go on, no delay, nothing found. */
    public static Decision proceed() {
        return new Decision(Verdict.CONTINUE, Duration.ZERO, List.of(), List.of());
    }

    /** The reply to send instead of the stage's normal reply, if the verdict is not Continue. */
    public Optional<Reply> refusal() {
        return verdict instanceof Verdict.Refuse r ? Optional.of(r.reply()) : Optional.empty();
    }

    /** Whether the connection is to be closed after the reply. */
    public boolean disconnect() {
        return verdict instanceof Verdict.Refuse r && r.disconnect();
    }
}
