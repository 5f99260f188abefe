package warden.greylist.imports;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private, real greylistd (Debian's /usr/sbin/greylistd, unmodified) on a socket in a temporary
 * directory, with its states and triplets files there too.
 *
 * <p>greylistd takes its configuration file as its first argument, so the script itself runs as
 * installed. Its {@code greylist} tool has the path {@code /etc/greylistd/config} written in, so
 * a copy with that path replaced by the private config drives it. {@code PYTHONHASHSEED} is
 * removed from the environment: greylistd's keys are then randomised per process, as on a
 * Debian host, which is what makes an entry without its triplet line unrecoverable.
 */
final class GreylistdProcess implements AutoCloseable {

    static final Path DAEMON = Path.of("/usr/sbin/greylistd");
    /** The interpreter greylistd's package names in its #! line; a "python3" on PATH may be a slow pyenv shim. */
    static final String PYTHON = "/usr/bin/python3";
    static final Path TOOL = Path.of("/usr/bin/greylist");

    final Path dir;
    final Path config;
    final Path socket;
    final Path states;
    final Path triplets;
    private Process process;

    GreylistdProcess(Path dir) {
        this.dir = dir;
        this.config = dir.resolve("config");
        this.socket = dir.resolve("socket");
        this.states = dir.resolve("states");
        this.triplets = dir.resolve("triplets");
    }

    /** Starts greylistd with {@code retryMin} seconds and {@code savetriplets} as given; waits for its socket. */
    void start(int retryMin, boolean saveTriplets) throws IOException, InterruptedException {
        if (!Files.isRegularFile(DAEMON)) {
            throw new AssertionError("greylistd is not installed, and the import tests need the real one: apt-get install -y greylistd");
        }
        Files.writeString(config, String.join("\n",
                "[timeouts]", "retryMin = " + retryMin, "retryMax = 28800", "expire = 5184000",
                "[socket]", "path = " + socket, "mode = 0600",
                "[data]", "update = 600", "statefile = " + states, "tripletfile = " + triplets,
                "savetriplets = " + saveTriplets, "singlecheck = false", "singleupdate = false", ""));
        ProcessBuilder pb = new ProcessBuilder(PYTHON, DAEMON.toString(), config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("greylistd.out").toFile());
        pb.environment().remove("PYTHONHASHSEED");
        // A socket file an earlier instance left must not pass for this one's: wait for a connection.
        Files.deleteIfExists(socket);
        process = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!answers()) {
            if (!process.isAlive()) throw new AssertionError("greylistd exited: " + Files.readString(dir.resolve("greylistd.out")));
            if (System.nanoTime() > deadline) throw new AssertionError("greylistd did not answer on " + socket + " within 15 s");
            Thread.sleep(20);
        }
    }

    /** Whether greylistd accepts a connection on its socket (the probe sends nothing: greylistd answers "error: No data received"). */
    private boolean answers() {
        if (!Files.exists(socket)) return false;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.shutdownOutput();
            readAll(ch);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One request as Exim's ${readsocket} sends it: the text, a write shutdown, the reply to EOF. */
    String ask(String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            return new String(readAll(ch), StandardCharsets.US_ASCII);
        }
    }

    private static byte[] readAll(SocketChannel ch) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (ch.read(buf) >= 0) {
            buf.flip();
            out.write(buf.array(), 0, buf.limit());
            buf.clear();
        }
        return out.toByteArray();
    }

    /** greylistd's own {@code greylist} tool (a copy reading the private config); returns its output. */
    String tool(String... args) throws IOException, InterruptedException {
        Path copy = dir.resolve("greylist");
        if (!Files.exists(copy)) {
            String script = Files.readString(TOOL);
            if (!script.contains("\"/etc/greylistd/config\"")) throw new AssertionError(TOOL + " no longer names /etc/greylistd/config");
            Files.writeString(copy, script.replace("\"/etc/greylistd/config\"", "\"" + config + "\""));
        }
        List<String> command = new ArrayList<>(List.of(PYTHON, copy.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("greylist " + String.join(" ", args) + " did not finish");
        }
        return out.strip();
    }

    /** SIGTERM: greylistd saves its states and triplets and removes its socket. */
    void stop() throws InterruptedException {
        if (process == null) return;
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("greylistd did not stop on SIGTERM within 15 s");
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(15, TimeUnit.SECONDS);
            process = null;
        }
    }
}
