package warden.auth;

/**
 * Checks a user name and password against a credential backend ({@code auth.passwd_file} or
 * {@code auth.ldap}). The SMTP session's AUTH command (RFC 4954) asks it; it knows nothing of SMTP.
 *
 * <p>Never throws, never logs the password: a backend that cannot answer (a directory down, a
 * timeout, an unreadable file) says {@link Result.Unavailable}, which the session answers with
 * 454 4.7.0, never 535 ("could not tell" is never "no").
 */
public interface Authenticator extends AutoCloseable {

    /** What a backend said about one name and password. */
    sealed interface Result {
        /** The password is right; {@code user} is the login as the backend spells it (logged as {@code A=plain:user}). */
        record Accepted(String user) implements Result {}

        /** Wrong password, unknown user, or a user the backend's rules exclude; {@code why} is for the log, never the client. */
        record Rejected(String why) implements Result {}

        /** The backend could not tell now; {@code why} is for the log. */
        record Unavailable(String why) implements Result {}
    }

    Result authenticate(String user, String password);

    /** A one-line description for logs and doctor ("passwd-file /etc/warden/passwd", "ldap://127.0.0.1:389"). */
    String describe();

    @Override
    default void close() {}
}
