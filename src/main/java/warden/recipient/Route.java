package warden.recipient;

/**
 * Where one recipient's copy of a message goes, once every alias has been expanded.
 */
public sealed interface Route permits Route.Mailbox, Route.Remote {

    /** A local user's Maildir ({@code folder} empty for the inbox, else a Maildir++ folder such as {@code Junk}). */
    record Mailbox(String user, String folder) implements Route {
        public Mailbox(String user) { this(user, ""); }
    }

    /** An address outside our domains: kept in the spool for outbound delivery, never dropped. */
    record Remote(String address) implements Route {}
}
