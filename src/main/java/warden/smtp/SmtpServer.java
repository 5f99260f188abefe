package warden.smtp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.config.WardenConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepts SMTP connections on the configured listeners and runs one {@link SmtpSession} per
 * connection on its own virtual thread, so that a client held in a policy delay costs a few
 * kilobytes and no OS thread.
 *
 * <p>Limits the connections in all and per client address (clients in {@code relay_networks} are
 * exempt from the per-address limit, like Postfix's {@code smtpd_client_event_limit_exceptions});
 * a connection over a limit is told {@code 421 4.7.0} and closed. {@link #close()} is a graceful
 * shutdown: no new connections, idle sessions get 421 at once, sessions in DATA finish their
 * message (up to {@code limits.shutdown_grace}; nothing, not even a client that does not read
 * its replies, holds the shutdown longer). A reply write that blocks longer than
 * {@code limits.command_timeout} ends its session ({@link WriteWatchdog}). Nothing a session
 * throws, {@link Error}s included, escapes its thread.
 */
public final class SmtpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    private final SmtpSettings settings;
    private final SessionServices services;
    private final List<WardenConfig.Listener> listeners;
    private final List<ServerSocket> sockets = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final Set<SmtpSession> sessions = ConcurrentHashMap.newKeySet();
    private final ClientCounter perClient;
    private final AtomicInteger total = new AtomicInteger();
    private volatile boolean stopping;
    private WriteWatchdog watchdog;

    public SmtpServer(SmtpSettings settings, SessionServices services, List<WardenConfig.Listener> listeners) {
        this.settings = settings;
        this.services = services;
        this.listeners = List.copyOf(listeners);
        this.perClient = new ClientCounter(settings.limits().maxConnectionsPerIp());
    }

    /**
     * Binds every listener and starts accepting; returns at once.
     *
     * @throws java.net.BindException naming the listener ({@code 127.0.0.1:25: Address already in use});
     *         no listener is left bound then
     */
    public void start() throws IOException {
        watchdog = new WriteWatchdog(settings.limits().commandTimeout(),
                () -> sessions.stream().map(SmtpSession::output).iterator());
        for (WardenConfig.Listener l : listeners) {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            try {
                ss.bind(l.address(), 4096);
            } catch (IOException e) {
                stopping = true; // the acceptors of listeners bound already end with their sockets
                if (watchdog != null) watchdog.close();
                closeQuietly(ss);
                for (ServerSocket bound : sockets) closeQuietly(bound);
                var named = new java.net.BindException(warden.mail.IpText.of(l.address().getAddress()) + ":" + l.address().getPort()
                        + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
            sockets.add(ss);
            AcceptLoop loop = new AcceptLoop(ss, l.toString(),
                    socket -> Thread.ofVirtual().name("smtp-" + socket.getPort()).start(() -> serve(socket, l)),
                    SessionServices.Pause.SLEEP, () -> stopping);
            acceptors.add(Thread.ofVirtual().name("accept-" + ss.getLocalPort()).start(loop));
            LOG.info("listening on {}", l);
        }
    }

    /** The bound addresses, in listener order (useful when a port was 0). */
    public List<InetSocketAddress> boundAddresses() {
        return sockets.stream().map(s -> (InetSocketAddress) s.getLocalSocketAddress()).toList();
    }

    /** Sessions open now. */
    public int activeSessions() {
        return total.get();
    }

    /** One connection's virtual thread: nothing thrown here, an Error included, goes further. */
    private void serve(Socket socket, WardenConfig.Listener listener) {
        try {
            serveSession(socket, listener);
        } catch (Throwable e) {
            try {
                LOG.error("connection from {} failed", socket.getInetAddress(), e);
            } catch (Throwable ignored) {
                // out of memory still: closing the socket matters more
            }
            closeQuietly(socket);
        }
    }

    private void serveSession(Socket socket, WardenConfig.Listener listener) {
        InetAddress peer = warden.mail.Cidr.unmap(socket.getInetAddress());
        boolean proxied = listener.proxyProtocol() && settings.isTrustedProxy(peer);
        if (listener.proxyProtocol() && !proxied) {
            // A PROXY listener only believes trusted proxies; anyone else is served as who they are.
            LOG.debug("PROXY header from untrusted {} ignored: served as itself", peer);
        }
        SmtpSession session;
        try {
            socket.setTcpNoDelay(true);
            session = new SmtpSession(settings, services, new SocketConnection(socket, peer, proxied, listener, this));
        } catch (IOException e) {
            closeQuietly(socket);
            return;
        }
        int count = total.incrementAndGet();
        try {
            if (count > settings.limits().maxConnections()) {
                refuse(socket, Replies.tooManyConnections(settings.hostname()), peer, listener);
                return;
            }
            sessions.add(session);
            if (stopping) {
                refuse(socket, Replies.shuttingDown(settings.hostname()), peer, listener);
                return;
            }
            session.run();
        } finally {
            sessions.remove(session);
            total.decrementAndGet();
            closeQuietly(socket);
        }
    }

    /** Refuses a connection before its session starts; on an implicit-TLS port without a word (it would be no TLS record). */
    private void refuse(Socket socket, warden.mail.Reply reply, InetAddress client, WardenConfig.Listener listener) {
        services.log().log(warden.mail.IpText.bracketed(client) + " refused connection: " + reply);
        if (ListenerSettings.of(listener).implicitTls()) return;
        try {
            OutputStream o = socket.getOutputStream();
            o.write(reply.wire().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            o.flush();
        } catch (IOException ignored) {
            // gone already
        }
    }

    /**
     * Graceful shutdown: stop accepting, tell idle sessions 421, let sessions in DATA finish, and
     * after the grace period close whatever is left.
     */
    @Override
    public void close() {
        stopping = true;
        for (ServerSocket ss : sockets) closeQuietly(ss);
        for (SmtpSession s : sessions) s.shutdown();
        long deadline = System.nanoTime() + settings.limits().shutdownGrace().toNanos();
        while (!sessions.isEmpty() && System.nanoTime() < deadline) {
            for (SmtpSession s : sessions) s.shutdown(); // sessions leaving DATA are now idle
            try {
                Thread.sleep(Duration.ofMillis(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Thread t : acceptors) t.interrupt();
        if (!sessions.isEmpty()) LOG.warn("{} sessions still open after the grace period; closing them", sessions.size());
        for (SmtpSession s : sessions) {
            s.noteCutAtShutdown(settings.limits().shutdownGrace());
            s.forceClose();
        }
        if (watchdog != null) watchdog.close();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Connections counted for {@code client} now against {@code limits.max_connections_per_ip}. */
    int connectionsFrom(InetAddress client) {
        return perClient.open(client);
    }

    /** The open sessions (a test hook). */
    Set<SmtpSession> sessions() {
        return java.util.Collections.unmodifiableSet(sessions);
    }

    /** A session's transport over a TCP socket, and after a handshake over the TLS socket layered on it. */
    private static final class SocketConnection implements SmtpSession.Connection {
        private final Socket socket;
        private volatile javax.net.ssl.SSLSocket tlsSocket;
        private final InetAddress peer;
        private final boolean proxied;
        private final WardenConfig.Listener listener;
        private final SmtpServer server;
        private final java.util.concurrent.atomic.AtomicReference<ClientCounter.Slot> slot = new java.util.concurrent.atomic.AtomicReference<>();
        private volatile boolean closed;

        SocketConnection(Socket socket, InetAddress peer, boolean proxied, WardenConfig.Listener listener, SmtpServer server) {
            this.socket = socket;
            this.listener = listener;
            this.peer = peer;
            this.proxied = proxied;
            this.server = server;
        }

        /** Counts the client against its limit (relay clients are exempt); released by {@link #close()}. */
        @Override
        public Optional<warden.mail.Reply> admit(InetAddress client, boolean relayClient) {
            if (relayClient) return Optional.empty();
            Optional<ClientCounter.Slot> place = server.perClient.admit(client);
            if (place.isEmpty()) return Optional.of(Replies.tooManyConnectionsFromYou(server.settings.hostname()));
            if (!slot.compareAndSet(null, place.get())) place.get().close(); // admitted already: counted once
            if (closed) releaseSlot(); // closed meanwhile: close() may have missed the slot
            return Optional.empty();
        }

        private void releaseSlot() {
            ClientCounter.Slot s = slot.getAndSet(null);
            if (s != null) s.close();
        }

        @Override public InputStream input() throws IOException { return current().getInputStream(); }
        @Override public OutputStream output() throws IOException { return current().getOutputStream(); }
        @Override public ListenerSettings listener() { return ListenerSettings.of(listener); }

        private Socket current() {
            Socket tls = tlsSocket;
            return tls != null ? tls : socket;
        }

        @Override
        public warden.tls.TlsConnection startTls(warden.tls.TlsServer server, Duration timeout) throws IOException {
            warden.tls.TlsConnection done = server.handshake(socket, timeout);
            tlsSocket = done.socket();
            if (closed) { // closed (a shutdown) during the handshake
                abort();
                throw new SocketException("connection closed during the TLS handshake");
            }
            return done;
        }
        @Override public InetAddress clientAddress() { return peer; }
        @Override public int clientPort() { return socket.getPort(); }
        @Override public InetAddress localAddress() { return socket.getLocalAddress(); }
        @Override public boolean expectsProxyHeader() { return proxied; }
        @Override public WardenConfig.ProxyUnknown proxyUnknown() { return listener.proxyUnknown(); }

        @Override
        public void readTimeout(Duration timeout) throws SocketException {
            current().setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        }

        /** Closes the connection; under TLS with a close_notify first (RFC 8446 6.1). */
        @Override
        public void close() {
            closed = true;
            Socket tls = tlsSocket;
            if (tls != null) closeQuietly(tls);
            closeQuietly(socket);
            releaseSlot();
        }

        /** Closes the TCP socket first: a write blocked under TLS fails at once, and no close_notify waits behind it. */
        @Override
        public void abort() {
            closed = true;
            closeQuietly(socket);
            Socket tls = tlsSocket;
            if (tls != null) closeQuietly(tls);
            releaseSlot();
        }
    }
}
