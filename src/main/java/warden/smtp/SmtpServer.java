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
 * message (up to {@code limits.shutdown_grace}).
 */
public final class SmtpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpServer.class);

    private final SmtpSettings settings;
    private final SessionServices services;
    private final List<WardenConfig.Listener> listeners;
    private final List<ServerSocket> sockets = new ArrayList<>();
    private final List<Thread> acceptors = new ArrayList<>();
    private final Set<SmtpSession> sessions = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile boolean stopping;

    public SmtpServer(SmtpSettings settings, SessionServices services, List<WardenConfig.Listener> listeners) {
        this.settings = settings;
        this.services = services;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Binds every listener and starts accepting; returns at once.
     *
     * @throws java.net.BindException naming the listener ({@code 127.0.0.1:25: Address already in use});
     *         no listener is left bound then
     */
    public void start() throws IOException {
        for (WardenConfig.Listener l : listeners) {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            try {
                ss.bind(l.address(), 4096);
            } catch (IOException e) {
                stopping = true; // the acceptors of listeners bound already end with their sockets
                closeQuietly(ss);
                for (ServerSocket bound : sockets) closeQuietly(bound);
                var named = new java.net.BindException(l.address().getAddress().getHostAddress() + ":" + l.address().getPort()
                        + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
            sockets.add(ss);
            acceptors.add(Thread.ofVirtual().name("accept-" + ss.getLocalPort()).start(() -> acceptLoop(ss, l)));
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

    private void acceptLoop(ServerSocket ss, WardenConfig.Listener listener) {
        while (!stopping) {
            Socket socket;
            try {
                socket = ss.accept();
            } catch (IOException e) {
                if (!stopping) LOG.warn("accept on {} failed: {}", listener, e.toString());
                continue;
            }
            Thread.ofVirtual().name("smtp-" + socket.getPort()).start(() -> serve(socket, listener));
        }
    }

    private void serve(Socket socket, WardenConfig.Listener listener) {
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
                refuse(socket, Replies.tooManyConnections(settings.hostname()), peer);
                return;
            }
            sessions.add(session);
            if (stopping) {
                refuse(socket, Replies.shuttingDown(settings.hostname()), peer);
                return;
            }
            session.run();
        } finally {
            sessions.remove(session);
            total.decrementAndGet();
            closeQuietly(socket);
        }
    }

    private void refuse(Socket socket, warden.mail.Reply reply, InetAddress client) {
        services.log().log("[" + client.getHostAddress() + "] refused connection: " + reply);
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
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /**
     * Counts a connection from {@code client} against {@code limits.max_connections_per_ip};
     * relay clients are exempt. Empty when admitted (then {@link #release} must follow).
     */
    private Optional<warden.mail.Reply> admit(InetAddress client, boolean relayClient) {
        if (relayClient) return Optional.empty();
        int mine = perClient.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
        if (mine > settings.limits().maxConnectionsPerIp()) {
            release(client);
            return Optional.of(Replies.tooManyConnectionsFromYou(settings.hostname()));
        }
        return Optional.empty();
    }

    private void release(InetAddress client) {
        perClient.computeIfPresent(client, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    /** A session's transport over a TCP socket. */
    private static final class SocketConnection implements SmtpSession.Connection {
        private final Socket socket;
        private final InetAddress peer;
        private final boolean proxied;
        private final WardenConfig.Listener listener;
        private final SmtpServer server;
        private final java.util.concurrent.atomic.AtomicReference<InetAddress> admitted = new java.util.concurrent.atomic.AtomicReference<>();

        SocketConnection(Socket socket, InetAddress peer, boolean proxied, WardenConfig.Listener listener, SmtpServer server) {
            this.socket = socket;
            this.listener = listener;
            this.peer = peer;
            this.proxied = proxied;
            this.server = server;
        }

        @Override
        public Optional<warden.mail.Reply> admit(InetAddress client, boolean relayClient) {
            Optional<warden.mail.Reply> refusal = server.admit(client, relayClient);
            if (refusal.isEmpty() && !relayClient) admitted.set(client);
            return refusal;
        }

        @Override public InputStream input() throws IOException { return socket.getInputStream(); }
        @Override public OutputStream output() throws IOException { return socket.getOutputStream(); }
        @Override public InetAddress clientAddress() { return peer; }
        @Override public int clientPort() { return socket.getPort(); }
        @Override public InetAddress localAddress() { return socket.getLocalAddress(); }
        @Override public boolean expectsProxyHeader() { return proxied; }
        @Override public WardenConfig.ProxyUnknown proxyUnknown() { return listener.proxyUnknown(); }

        @Override
        public void readTimeout(Duration timeout) throws SocketException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
        }

        @Override
        public void close() {
            closeQuietly(socket);
            InetAddress a = admitted.getAndSet(null);
            if (a != null) server.release(a);
        }
    }
}
