package warden.policy;

import warden.mail.Reply;

/**
 * The closed vocabulary of policy outcomes: go on, or refuse with a reply (4xx defer, 5xx deny),
 * optionally closing the connection (drop). Disconnect is a property of the refusal, not a
 * separate verdict (the lesson of James's Action x ConnectionStatus).
 */
public sealed interface Verdict permits Verdict.Continue, Verdict.Refuse {

    Continue CONTINUE = new Continue();

    /** Nothing stops the dialogue. */
    record Continue() implements Verdict {}

    /** Answer {@code reply} instead of the normal reply; close the connection if {@code disconnect}. */
    record Refuse(Reply reply, boolean disconnect) implements Verdict {
        public Refuse {
            if (reply.isPositive()) throw new IllegalArgumentException("a refusal needs a 4xx or 5xx reply");
        }
    }
}
