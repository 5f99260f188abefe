package warden.door;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.config.WardenConfig.DoorAddress;

import java.io.IOException;
import java.io.InputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The doors' shared accept loop on real loopback and UNIX sockets. */
class DoorListenerTest {

    @TempDir
    Path dir;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final List<DoorListener> started = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) c.close();
        started.forEach(DoorListener::close);
    }

    /** Echoes one line back in upper case, then closes. */
    private static final DoorListener.Handler ECHO = c -> {
        String line = readLine(c.input());
        c.output().write((line.toUpperCase() + "\n").getBytes(StandardCharsets.US_ASCII));
        c.output().flush();
    };

    private DoorListener start(List<DoorAddress> addresses, int max, Duration idle, DoorListener.Handler handler) throws IOException {
        DoorListener l = new DoorListener(new DoorListener.Settings("test", addresses, 0660, Optional.empty(), max, idle),
                handler, log::add);
        l.start();
        started.add(l);
        return l;
    }

    private static DoorAddress tcp() {
        return new DoorAddress.Tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @Test
    void servesTcpAndUnixClients() throws Exception {
        Path sock = dir.resolve("run/door.sock");
        DoorListener l = start(List.of(tcp(), new DoorAddress.Unix(sock)), 10, Duration.ofSeconds(5), ECHO);
        InetSocketAddress tcp = (InetSocketAddress) l.boundAddresses().get(0);
        assertThat(tcp.getPort()).isPositive();
        assertThat(l.boundAddresses().get(1)).isEqualTo(sock.toAbsolutePath());

        try (Socket s = new Socket(tcp.getAddress(), tcp.getPort())) {
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(s.getInputStream())).isEqualTo("HELLO");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(ByteBuffer.wrap("unix\n".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readLine(java.nio.channels.Channels.newInputStream(ch))).isEqualTo("UNIX");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sock))).isEqualTo("rw-rw----");
        l.close();
        assertThat(sock).doesNotExist();
    }

    @Test
    void removesAStaleSocketFileButNotALiveOne() throws Exception {
        Path sock = dir.resolve("stale.sock");
        // A server that died without removing its socket file leaves it behind.
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close();
        assertThat(sock).exists();
        start(List.of(new DoorAddress.Unix(sock)), 10, Duration.ofSeconds(5), ECHO);

        assertThatThrownBy(() -> start(List.of(new DoorAddress.Unix(sock)), 10, Duration.ofSeconds(5), ECHO))
                .isInstanceOf(BindException.class).hasMessageContaining("already in use").hasMessageContaining("unix:" + sock);
        assertThat(sock).exists(); // the running one keeps its socket

        Path file = Files.writeString(dir.resolve("notasocket"), "x");
        assertThatThrownBy(() -> start(List.of(new DoorAddress.Unix(file)), 10, Duration.ofSeconds(5), ECHO))
                .isInstanceOf(BindException.class).hasMessageContaining("not a socket");
        assertThat(file).hasContent("x");
    }

    @Test
    void aSilentClientIsClosedAtItsDeadlineWhileOthersAreServed() throws Exception {
        DoorListener l = start(List.of(tcp()), 10, Duration.ofMillis(500), ECHO);
        InetSocketAddress a = (InetSocketAddress) l.boundAddresses().getFirst();
        try (Socket silent = new Socket(a.getAddress(), a.getPort())) {
            silent.setSoTimeout(10_000);
            try (Socket other = new Socket(a.getAddress(), a.getPort())) {
                other.getOutputStream().write("ok\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readLine(other.getInputStream())).isEqualTo("OK");
            }
            // The listener closes it: end of file long before the client's own 10 s timeout.
            assertThat(silent.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aConnectionBeyondTheLimitPushesOutTheLongestSilentOne() throws Exception {
        DoorListener l = start(List.of(tcp()), 3, Duration.ofSeconds(30), ECHO);
        InetSocketAddress a = (InetSocketAddress) l.boundAddresses().getFirst();
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = new Socket(a.getAddress(), a.getPort());
            s.setSoTimeout(10_000);
            clients.add(s);
            idle.add(s);
            waitFor(() -> l.openConnections() == idle.size());
        }
        try (Socket fresh = new Socket(a.getAddress(), a.getPort())) {
            fresh.getOutputStream().write("still served\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(fresh.getInputStream())).isEqualTo("STILL SERVED");
        }
        assertThat(idle.getFirst().getInputStream().read()).isEqualTo(-1); // the oldest made room
    }

    @Test
    void whatAHandlerThrowsIsLoggedAndTheListenerGoesOn() throws Exception {
        int[] calls = {0};
        DoorListener l = start(List.of(tcp()), 10, Duration.ofSeconds(5), c -> {
            if (calls[0]++ == 0) throw new StackOverflowError("boom\r\ninjected");
            ECHO.serve(c);
        });
        InetSocketAddress a = (InetSocketAddress) l.boundAddresses().getFirst();
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket s = new Socket(a.getAddress(), a.getPort())) {
            s.getOutputStream().write("next\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readLine(s.getInputStream())).isEqualTo("NEXT");
        }
        waitFor(() -> !log.isEmpty());
        assertThat(log.getFirst()).contains("StackOverflowError").doesNotContain("\r").doesNotContain("\n");
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) b.append((char) c);
        return b.toString();
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met within 10 s");
            Thread.sleep(10);
        }
    }
}
