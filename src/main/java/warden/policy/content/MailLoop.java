package warden.policy.content;

import warden.mail.Reply;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.Optional;

/**
 * {@code mail-loop}: the message has passed through too many hosts, counted by its
 * {@code Received:} fields, so it is most likely going round in a loop.
 *
 * <p>Refused with {@code 554 5.4.6} ("routing loop detected"), like Postfix's
 * {@code hopcount_limit} (50 by default) and Exim's {@code received_headers_max} (30). It runs for
 * every client, exempt ones included: a loop through our own relay clients is a loop too.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 6.3 (loop detection by counting Received fields; it asks for a large
 * threshold, "normally at least 100": Warden's default is Postfix's 50, which has served for
 * decades, and {@code max_received_headers: 100} gives the RFC's figure); RFC 3463 (5.4.6).
 *
 * @param limit the largest number of {@code Received:} fields a message may arrive with ({@code max_received_headers})
 */
public record MailLoop(int limit) implements Check {

    public static final String NAME = "mail-loop";

    /** Postfix's {@code hopcount_limit}. */
    public static final int DEFAULT_LIMIT = 50;

    public MailLoop {
        if (limit < 1) throw new IllegalArgumentException("max_received_headers must be 1 or more");
    }

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.DATA; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (s.message().isEmpty()) return skip("no message");
        int hops = HeaderFields.read(s.message().get().header()).count("Received");
        if (hops > limit) return fail("too many hops: the message has " + hops + " Received: headers (at most " + limit + ")");
        return pass(hops + " Received: headers");
    }

    @Override
    public Optional<Reply> refusal(Finding failed, boolean permanent) {
        return Optional.of(permanent ? Reply.of(554, "5.4.6", "Mail loop detected: " + failed.reason())
                : Reply.of(451, "4.4.6", "Mail loop detected: " + failed.reason() + "; try again later"));
    }
}
