package warden.testing;

import warden.tls.TlsConnection;
import warden.tls.TlsServer;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;

/**
 * The server side of TLS for session tests, over the JDK's {@link SSLContext} with
 * {@link TestCertificate}'s certificate (TLS 1.2 and 1.3): the session's half of the handshake is
 * real, only the certificate loading of {@code warden.tls} is left out.
 */
public final class TestTlsServer implements TlsServer {

    private final SSLContext context = TestCertificate.get().serverContext();

    @Override
    public TlsConnection handshake(Socket plain, Duration timeout) throws IOException {
        try {
            SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
            s.setUseClientMode(false);
            s.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            s.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            s.startHandshake();
            SSLSession session = s.getSession();
            Optional<String> sni = Optional.empty();
            if (session instanceof ExtendedSSLSession e) {
                for (SNIServerName n : e.getRequestedServerNames()) {
                    if (n instanceof SNIHostName h) sni = Optional.of(h.getAsciiName());
                }
            }
            String cipher = session.getCipherSuite();
            int bits = cipher.contains("_128_") ? 128 : 256;
            return new TlsConnection(s, session.getProtocol(), cipher, bits, sni);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }
}
