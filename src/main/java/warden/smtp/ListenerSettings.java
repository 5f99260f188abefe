package warden.smtp;

import warden.config.WardenConfig;
import warden.config.WardenConfig.Role;

/**
 * What differs from one listening port to another, handed to each session the port accepts:
 * the port's {@link Role role} (which decides whether TLS comes first, whether AUTH is required)
 * and whether AUTH may be offered without TLS. Everything else comes from {@link SmtpSettings},
 * the same on every port.
 *
 * <h2>Standards</h2>
 * RFC 6409 (message submission, port 587), RFC 8314 (implicit TLS for submission, port 465),
 * RFC 3207 (STARTTLS), RFC 4954 section 4 (a server may refuse AUTH without a security layer).
 *
 * @param role {@code MX} (25), {@code SUBMISSION} (587) or {@code SUBMISSIONS} (465)
 * @param allowPlaintextAuth AUTH offered and accepted outside TLS ({@code allow_plaintext_auth})
 */
public record ListenerSettings(Role role, boolean allowPlaintextAuth) {

    /** A port 25 listener: STARTTLS offered when a certificate is configured, no AUTH without TLS. */
    public static final ListenerSettings MX = new ListenerSettings(Role.MX, false);

    public static ListenerSettings of(WardenConfig.Listener listener) {
        return new ListenerSettings(listener.role(), listener.allowPlaintextAuth());
    }

    /** TLS from the first byte: the handshake comes before the greeting (RFC 8314 section 3). */
    public boolean implicitTls() {
        return role == Role.SUBMISSIONS;
    }

    /** A submission port (587 or 465): mail from the domain's own users, who authenticate (RFC 6409). */
    public boolean submission() {
        return role != Role.MX;
    }

    /**
     * Whether AUTH may be offered now: inside TLS always, outside only where the listener says
     * {@code allow_plaintext_auth} (RFC 4954 section 4; the seed's {@code server_advertise_condition}).
     */
    public boolean authAllowed(boolean tls) {
        return tls || allowPlaintextAuth;
    }
}
