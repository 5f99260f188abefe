package warden.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code warden serve --config FILE} in a child JVM (this test run's classpath), for tests that
 * kill the server with SIGKILL and start it again on the same data: its standard output and
 * error are appended to {@code warden.out} in the working directory, across restarts.
 */
public final class ServeProcess implements AutoCloseable {

    private final Process process;
    private final Path output;

    private ServeProcess(Process process, Path output) {
        this.process = process;
        this.output = output;
    }

    /** Starts the server with {@code -Xmx256m} plus {@code jvmOptions}; returns at once (see {@link #awaitListening}). */
    public static ServeProcess start(Path yaml, Path workDir, String... jvmOptions) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "warden.Warden", "serve", "--config", yaml.toString()));
        Path output = workDir.resolve("warden.out");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        return new ServeProcess(p, output);
    }

    /** Waits (60 s at most) until 127.0.0.1:port answers 220; fails with the server's output if it exits. */
    public void awaitListening(int port) throws IOException, InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) throw new AssertionError("warden serve exited: " + output());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                s.setSoTimeout(10_000);
                String banner = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                if (banner != null && banner.startsWith("220")) return;
            } catch (IOException notYet) {
                Thread.sleep(50); // polling for the child's listener, not a timing assumption
            }
        }
        throw new AssertionError("warden serve did not listen within 60s: " + output());
    }

    /** SIGKILL (no shutdown hook runs, nothing is flushed) and waits for the process to be gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("warden serve survived SIGKILL for 30s");
    }

    /** What the server printed so far, all its lives together. */
    public String output() throws IOException {
        try {
            return Files.readString(output);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
