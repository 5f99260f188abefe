package warden.smtp.auth;

import java.util.Optional;

/**
 * The PLAIN mechanism's one message: {@code [authzid] NUL authcid NUL passwd}.
 *
 * <h2>Standards</h2>
 * RFC 4616 section 2: {@code message = [authzid] UTF8NUL authcid UTF8NUL passwd}, with
 * {@code authcid} and {@code passwd} of at least one character and no NUL in any of them; the
 * server "MUST be capable of accepting authzid, authcid, and passwd" of up to 255 octets (we take
 * whatever fits in the RFC 4954 line).
 *
 * <p>Warden does not let one user act for another: an authorization identity that is present
 * must equal the login ({@link #authorizes()}), as Dovecot without master users does.
 *
 * @param authzid the authorization identity, empty when the client sent none
 * @param authcid the login (authentication identity)
 * @param password the password; never in {@link #toString()}
 */
public record SaslPlain(String authzid, String authcid, String password) {

    /** Parses a decoded PLAIN message; empty when it is not one. */
    public static Optional<SaslPlain> parse(byte[] message) {
        int first = indexOfNul(message, 0);
        if (first < 0) return Optional.empty();
        int second = indexOfNul(message, first + 1);
        if (second < 0 || indexOfNul(message, second + 1) >= 0) return Optional.empty();
        Optional<String> authzid = SaslText.utf8(message, 0, first);
        Optional<String> authcid = SaslText.utf8(message, first + 1, second);
        Optional<String> password = SaslText.utf8(message, second + 1, message.length);
        if (authzid.isEmpty() || authcid.isEmpty() || password.isEmpty()) return Optional.empty();
        if (authcid.get().isEmpty() || password.get().isEmpty()) return Optional.empty();
        return Optional.of(new SaslPlain(authzid.get(), authcid.get(), password.get()));
    }

    /** Whether the login may act as the authorization identity: none given, or itself. */
    public boolean authorizes() {
        return authzid.isEmpty() || authzid.equals(authcid);
    }

    private static int indexOfNul(byte[] b, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == 0) return i;
        return -1;
    }

    @Override
    public String toString() {
        return "SaslPlain[authzid=" + authzid + ", authcid=" + authcid + ", password=(hidden)]";
    }
}
