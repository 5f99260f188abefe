package warden.door;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.config.WardenConfig.DoorAddress;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The accept loop of a front door: listens on loopback TCP addresses and UNIX sockets, serves each
 * connection on its own virtual thread, keeps at most {@code maxConnections} open (a connection over
 * the limit pushes out the longest silent one, so a flood of idle clients can neither exhaust file
 * descriptors nor lock the MTA out), and
 * closes connections whose idle deadline ({@link DoorConnection#deadline}) has passed.
 *
 * <p>A UNIX socket file left by a previous run is removed before binding, unless a server still
 * answers on it (then binding fails as a port in use would); its mode and group are set as
 * configured (greylistd's 0660 and the MTA's group), and it is removed at {@link #close()}.
 * Nothing a handler throws escapes its thread: it is logged and the connection closed.
 */
public final class DoorListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DoorListener.class);

    /** Serves one connection; returns when done (the listener closes the connection). */
    @FunctionalInterface
    public interface Handler {
        void serve(DoorConnection connection) throws Exception;
    }

    /**
     * How a door listens.
     *
     * @param name the door, for log lines and thread names ({@code greylistd}, {@code postfix-policy})
     * @param addresses where to listen
     * @param socketMode the permission bits of UNIX socket files (e.g. 0660)
     * @param socketGroup the group of UNIX socket files, if one is configured
     * @param maxConnections connections served at once; a new one beyond pushes out the longest silent
     * @param idle how long a connection may stay silent before it is closed (the first deadline)
     */
    public record Settings(String name, List<DoorAddress> addresses, int socketMode, Optional<String> socketGroup,
                           int maxConnections, Duration idle) {
        public Settings {
            addresses = List.copyOf(addresses);
            if (maxConnections < 1) throw new IllegalArgumentException("maxConnections must be positive");
        }
    }

    private final Settings settings;
    private final Handler handler;
    private final Consumer<String> log;
    private final List<ServerSocketChannel> servers = new ArrayList<>();
    private final List<Path> socketFiles = new ArrayList<>();
    private final List<Object> bound = new ArrayList<>();
    private final Set<DoorConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger count = new AtomicInteger();
    private volatile boolean closing;
    private Thread reaper;

    public DoorListener(Settings settings, Handler handler, Consumer<String> log) {
        this.settings = settings;
        this.handler = handler;
        this.log = log;
    }

    /**
     * Binds every address and starts accepting.
     *
     * @throws IOException naming the address and the fix when one cannot be bound (nothing stays bound)
     */
    public synchronized void start() throws IOException {
        try {
            for (DoorAddress a : settings.addresses()) servers.add(bind(a));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (int i = 0; i < servers.size(); i++) {
            ServerSocketChannel server = servers.get(i);
            DoorAddress a = settings.addresses().get(i);
            Thread.ofVirtual().name(settings.name() + "-accept-" + a).start(() -> acceptLoop(server, a));
        }
        reaper = Thread.ofVirtual().name(settings.name() + "-reaper").start(this::reap);
    }

    /** What each configured address was bound to ({@link InetSocketAddress} or {@link Path}), in order; port 0 resolved. */
    public synchronized List<Object> boundAddresses() {
        return List.copyOf(bound);
    }

    /** Connections open now. */
    public int openConnections() {
        return count.get();
    }

    private ServerSocketChannel bind(DoorAddress a) throws IOException {
        switch (a) {
            case DoorAddress.Tcp tcp -> {
                ServerSocketChannel s = ServerSocketChannel.open(tcp.address().getAddress() instanceof java.net.Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                try {
                    s.bind(tcp.address(), 1024);
                } catch (IOException e) {
                    s.close();
                    BindException b = new BindException(settings.name() + " door " + a + ": " + e.getMessage());
                    b.initCause(e);
                    throw b;
                }
                bound.add(s.getLocalAddress());
                return s;
            }
            case DoorAddress.Unix unix -> {
                Path path = unix.path().toAbsolutePath();
                removeStale(path, a);
                if (path.getParent() != null) Files.createDirectories(path.getParent());
                ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    s.bind(UnixDomainSocketAddress.of(path), 1024);
                } catch (IOException e) {
                    s.close();
                    BindException b = new BindException(settings.name() + " door " + a + ": " + e.getMessage());
                    b.initCause(e);
                    throw b;
                }
                socketFiles.add(path);
                bound.add(path);
                permissions(path);
                return s;
            }
        }
    }

    /** A socket file nobody answers on is a leftover of a run that was killed: removed. */
    private void removeStale(Path path, DoorAddress a) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) return;
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) || Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new BindException(settings.name() + " door " + a + ": a file or directory is in the way, not a socket"
                    + " (remove it or choose another path)");
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            throw new BindException(settings.name() + " door " + a + ": Address already in use (a server answers on it:"
                    + " greylistd, or a Warden started before; stop it or choose another path)");
        } catch (BindException e) {
            throw e;
        } catch (IOException nobody) {
            Files.deleteIfExists(path);
        }
    }

    private void permissions(Path path) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((settings.socketMode() & (1 << bit)) != 0) perms.add(order[bit]);
        }
        Files.setPosixFilePermissions(path, perms);
        if (settings.socketGroup().isPresent()) {
            String name = settings.socketGroup().get();
            try {
                GroupPrincipal group = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group);
            } catch (IOException e) {
                throw new IOException(settings.name() + " door unix:" + path + ": cannot give the socket to group '" + name
                        + "' (" + e.getMessage() + "); fix: create the group, or run Warden as a member of it"
                        + " (e.g. adduser warden " + name + ")", e);
            }
        }
    }

    private void acceptLoop(ServerSocketChannel server, DoorAddress a) {
        Duration backoff = Duration.ofMillis(10);
        long failures = 0;
        while (!closing) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException | RuntimeException | Error e) {
                if (closing || !server.isOpen()) return;
                if (failures++ == 0) LOG.warn("{} door: accept on {} failed: {}; backing off", settings.name(), a, e.toString());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? Duration.ofSeconds(1) : backoff.multipliedBy(2);
                continue;
            }
            failures = 0;
            backoff = Duration.ofMillis(10);
            if (count.incrementAndGet() > settings.maxConnections()) evictOldest();
            try {
                DoorConnection c = new DoorConnection(ch, peer(ch, a), a instanceof DoorAddress.Unix, settings.idle());
                open.add(c);
                Thread.ofVirtual().name(settings.name() + "-" + c.peer()).start(() -> serve(c));
            } catch (Throwable e) { // no thread for it: drop this one, keep accepting
                count.decrementAndGet();
                closeQuietly(ch);
                LOG.error("{} door: connection dropped: {}", settings.name(), e.toString());
            }
        }
    }

    private void serve(DoorConnection c) {
        try {
            handler.serve(c);
        } catch (Throwable e) {
            if (!closing && !(e instanceof IOException)) {
                log.accept(settings.name() + " door: connection from " + c.peer() + " failed: " + warden.policy.Check.oneLine(e.toString()));
                LOG.warn("{} door: handler failed", settings.name(), e);
            }
        } finally {
            c.close();
            open.remove(c);
            count.decrementAndGet();
        }
    }

    /**
     * Makes room for a new connection: closes the one whose deadline comes first (the longest
     * silent, as handlers move the deadline at every request). A flood of idle connections then
     * pushes out idle ones, never the MTA's next request (Postfix reconnects when its idle policy
     * connection was closed).
     */
    private void evictOldest() {
        DoorConnection oldest = null;
        for (DoorConnection c : open) {
            // One closed by an earlier eviction stays in the set until its thread ends: not room.
            if (c.isOpen() && (oldest == null || c.deadlineBefore(oldest))) oldest = c;
        }
        if (oldest != null) oldest.close();
    }

    private void reap() {
        while (!closing) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (DoorConnection c : open) {
                if (c.expired(now)) c.close();
            }
        }
    }

    private static String peer(SocketChannel ch, DoorAddress a) {
        if (a instanceof DoorAddress.Unix) return "unix";
        try {
            if (ch.getRemoteAddress() instanceof InetSocketAddress r) {
                String ip = warden.mail.IpText.of(r.getAddress());
                return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + r.getPort();
            }
        } catch (IOException ignored) {
            // gone already
        }
        return "?";
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** Stops accepting, closes every connection and removes the UNIX socket files. */
    @Override
    public synchronized void close() {
        closing = true;
        for (ServerSocketChannel s : servers) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        servers.clear();
        for (DoorConnection c : open) c.close();
        if (reaper != null) reaper.interrupt();
        for (Path p : socketFiles) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a leftover socket file is removed at the next start
            }
        }
        socketFiles.clear();
    }
}
