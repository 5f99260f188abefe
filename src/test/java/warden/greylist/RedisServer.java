package warden.greylist;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} on a random loopback port, without persistence, for tests. It can
 * be killed and started again on the same port to play an outage.
 *
 * <p>If {@code redis-server} is not installed the tests fail (they never skip) and say how to
 * install it.
 */
public final class RedisServer implements AutoCloseable {

    private final Path binary;
    private final int port;
    private Process process;

    private RedisServer(Path binary, int port) {
        this.binary = binary;
        this.port = port;
    }

    public static RedisServer start() throws IOException, InterruptedException {
        Path binary = Stream.concat(
                        Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(Path::of),
                        Stream.of(Path.of("/usr/bin"), Path.of("/usr/local/bin"), Path.of("/usr/sbin")))
                .map(d -> d.resolve("redis-server")).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("redis-server is not installed, and the Redis greylist tests need a real one:"
                        + " install it with 'apt-get install -y redis-server' (Debian/Ubuntu) or 'brew install redis', then run the tests again"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        RedisServer server = new RedisServer(binary, port);
        server.launch();
        return server;
    }

    public URI uri() { return URI.create("redis://127.0.0.1:" + port + "/0"); }

    public int port() { return port; }

    /** Kills the server at once, as a crash would. */
    public void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        process.waitFor();
        process = null;
    }

    public void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(List.of(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new AssertionError("redis-server exited at once with status " + process.exitValue() + " on port " + port);
            if (ping()) return;
            Thread.sleep(20);
        }
        kill();
        throw new AssertionError("redis-server did not answer PING on 127.0.0.1:" + port + " within 10 s");
    }

    /** FLUSHALL, so each test starts from an empty database. */
    public void flush() throws IOException {
        if (!send("FLUSHALL").startsWith("+OK")) throw new IOException("FLUSHALL failed");
    }

    private boolean ping() {
        try {
            return send("PING").startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    private String send(String inline) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64];
            int n = in.read(buf);
            return n <= 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        }
    }

    @Override
    public void close() throws InterruptedException { kill(); }
}
