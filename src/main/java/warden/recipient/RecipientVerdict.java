package warden.recipient;

import warden.mail.Reply;

import java.util.List;

/** The answer to "may this address receive mail here, and where does it go?" asked at RCPT. */
public sealed interface RecipientVerdict permits RecipientVerdict.Accepted, RecipientVerdict.Refused {

    /** Accepted: every route the address expands to (one or more). */
    record Accepted(List<Route> routes) implements RecipientVerdict {
        public Accepted { routes = List.copyOf(routes); }
    }

    /** Refused with this reply (550 5.1.1 unknown user, 550 5.7.1 relay denied, ...). */
    record Refused(Reply reply, String reason) implements RecipientVerdict {}
}
