package warden.tls;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;

/**
 * The server side of TLS for the SMTP listeners: STARTTLS (RFC 3207) on port 25 and 587, and TLS
 * from the first byte on 465 (RFC 8314). The certificates come from {@code tls.*} (PEM files as
 * certbot writes them), one chosen by the name the client asks for (SNI), and are read again when
 * the files change.
 */
public interface TlsServer {

    /**
     * Turns {@code plain} (a connected socket from which nothing unread is buffered by the caller)
     * into a server-mode TLS socket and completes the handshake within {@code timeout}.
     *
     * @throws IOException if the handshake fails or times out; {@code plain} is then closed
     */
    TlsConnection handshake(Socket plain, Duration timeout) throws IOException;
}
