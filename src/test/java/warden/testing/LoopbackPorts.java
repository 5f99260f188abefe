package warden.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * A free TCP port on 127.0.0.1 for a server a test starts in another process (a child JVM, a
 * Postfix) and must name in its configuration before it runs. The port is free when asked; the
 * caller binds it soon after and, where the other process may lose the race, retries.
 */
public final class LoopbackPorts {

    private LoopbackPorts() {}

    public static int free() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** True once {@code process} accepts connections on 127.0.0.1:{@code port}; false if it exited or did not within {@code within}. */
    public static boolean awaitListening(Process process, int port, Duration within) throws InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < end && process.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }
}
