package warden.auth;

import javax.net.SocketFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * A socket factory whose sockets give up a read after {@code timeout} from the start, before
 * the LDAP library sets its own per-operation timeout: so that the TLS handshake of an
 * {@code ldaps://} connection to a server that accepts and then says nothing ends in a timeout
 * (and a 454) instead of waiting for ever. The LDAP SDK's connect timeout covers only the TCP
 * connect, and its TLS host name check starts the handshake without one.
 *
 * <h2>Standards</h2>
 * RFC 8446 / RFC 5246 (the handshake that is bounded); RFC 4513 section 3 (TLS for LDAP).
 */
final class TimedSockets extends SocketFactory {

    private final SocketFactory delegate;
    private final int timeoutMillis;

    TimedSockets(SocketFactory delegate, Duration timeout) {
        this.delegate = delegate;
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    private Socket timed(Socket s) throws IOException {
        s.setSoTimeout(timeoutMillis);
        return s;
    }

    @Override
    public Socket createSocket() throws IOException {
        return timed(delegate.createSocket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return timed(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return timed(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return timed(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return timed(delegate.createSocket(address, port, localAddress, localPort));
    }
}
