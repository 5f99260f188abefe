package warden.tls;

import javax.net.ssl.SSLSocket;
import java.util.Optional;

/**
 * A completed server-side TLS handshake.
 *
 * @param socket the TLS socket to read and write from now on
 * @param protocol {@code TLSv1.3} or {@code TLSv1.2}
 * @param cipher the cipher suite, e.g. {@code TLS_AES_256_GCM_SHA384}
 * @param bits the cipher's key size in bits, e.g. 256
 * @param sni the server name the client asked for (RFC 6066), when it asked
 */
public record TlsConnection(SSLSocket socket, String protocol, String cipher, int bits, Optional<String> sni) {

    /** As Exim's {@code X=} field: {@code TLS1.3:TLS_AES_256_GCM_SHA384:256}. */
    public String describe() {
        return protocol.replace("TLSv", "TLS") + ":" + cipher + ":" + bits;
    }
}
