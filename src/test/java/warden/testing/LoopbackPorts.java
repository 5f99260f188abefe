package warden.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

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
}
