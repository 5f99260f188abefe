package warden.policy.bounce;

import warden.mail.Reply;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.Locale;
import java.util.Optional;

/**
 * {@code bogus-bounce}: a bounce (null sender) or a postmaster's message to an address of ours
 * that never sends mail, which can only be backscatter from spam that forged it.
 *
 * <p>Seed 004's ACL, {@code deny} by default with its message:
 * <pre>
 * deny
 *   message     = This address never sends outgoing mail. \
 *                 You are responding to a forged sender address.
 *   log_message = bogus bounce for user &lt;$local_part@$domain&gt;
 *   senders     = : postmaster@*
 *   domains     = +local_domains
 *   !condition  = ${lookup{$acl_m9}lsearch*{/etc/mail/bounce-rcpts/$domain}{true}{false}}
 * </pre>
 * Only domains with a file in {@code bounce_recipients} are checked (see {@link BounceRecipients}).
 * The refusal is per recipient: another recipient of the same bounce may be legal.
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 4.5.5 (bounces have a null reverse path) and 4.5.1 (postmaster).
 */
public record BogusBounce(BounceRecipients recipients) implements Check {

    public static final String NAME = "bogus-bounce";

    /** The seed's reply text. */
    public static final String MESSAGE = "This address never sends outgoing mail. You are responding to a forged sender address.";

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.RCPT; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (s.recipient().isEmpty() || s.reversePath().isEmpty()) return skip("no recipient");
        String sender = s.reversePath().get();
        boolean bounce = sender.isEmpty();
        if (!bounce && !sender.toLowerCase(Locale.ROOT).startsWith("postmaster@")) return skip("not a bounce");
        String rcpt = s.recipient().get();
        int at = rcpt.lastIndexOf('@');
        if (at < 0) return skip("no domain");
        String local = rcpt.substring(0, at);
        String domain = rcpt.substring(at + 1);
        if (recipients.of(domain).isEmpty()) return skip("no bounce recipients file for " + domain);
        if (recipients.mayReceive(local, domain)) return pass("<" + rcpt + "> may receive bounces");
        return fail(MESSAGE + " (bogus " + (bounce ? "bounce" : "postmaster mail") + " for <" + rcpt + ">)");
    }

    @Override
    public Optional<Reply> refusal(Finding failed, boolean permanent) {
        return Optional.of(Reply.of(permanent ? 550 : 450, permanent ? "5.7.1" : "4.7.1", MESSAGE));
    }
}
