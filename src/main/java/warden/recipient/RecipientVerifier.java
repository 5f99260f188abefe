package warden.recipient;

/**
 * Verifies a recipient at RCPT time and resolves it to its routes: virtual-domain files, local
 * domains, {@code user@localhost}, and relaying for clients that may relay.
 */
public interface RecipientVerifier {

    /**
     * @param address the forward-path address without brackets, as the client gave it
     * @param mayRelay whether this client may send to domains that are not ours
     */
    RecipientVerdict verify(String address, boolean mayRelay);
}
