package warden.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private, real greylistd (Debian's package, Python 3) as the reference an interop test compares
 * Warden's greylistd door with, and greylistd's own {@code greylist} tool pointed at any socket.
 *
 * <p>Both programs read the hard-coded {@code /etc/greylistd/config}; this runs COPIES of
 * {@code /usr/sbin/greylistd} and {@code /usr/bin/greylist} in which that one path is replaced by
 * a config file under the test directory (socket, state files and {@code retryMin} there). Nothing
 * of the system's greylistd is read, written, started or stopped. greylistd runs under a fixed
 * {@code PYTHONHASHSEED} (its keys are Python's {@code hash()} of the triplet: without one a
 * restart forgets every key; the notes' "restart amnesia").
 *
 * <p>greylistd's times are whole seconds and a triplet passes when {@code first + retryMin < now}:
 * with {@code retryMin = 1} a retry two seconds after the first attempt is white.
 *
 * <p>Bounded: the daemon's start and each tool run are waited for at most
 * {@value #COMMAND_SECONDS} s; {@link #close()} ends the daemon by its PID (SIGTERM, on which it
 * saves, then SIGKILL).
 */
public final class GreylistdInstance implements AutoCloseable {

    /** Debian's daemon and tool, copied with their config path replaced. */
    static final Path DAEMON = Path.of("/usr/sbin/greylistd");
    static final Path TOOL = Path.of("/usr/bin/greylist");
    private static final String SYSTEM_CONFIG = "/etc/greylistd/config";
    private static final String PYTHON = "/usr/bin/python3";
    private static final int COMMAND_SECONDS = 30;

    private final Path dir;
    private final Path socket;
    private final Process daemon;

    /**
     * Starts greylistd under {@code dir} with {@code retryMinSeconds}; its socket (mode 0660) is
     * given to {@code group} (the MTA's: greylistd chowns it when started as root).
     */
    public static GreylistdInstance start(Path dir, int retryMinSeconds, String group) throws IOException, InterruptedException {
        return new GreylistdInstance(dir, retryMinSeconds, group);
    }

    private GreylistdInstance(Path parent, int retryMinSeconds, String group) throws IOException, InterruptedException {
        requireInstalled();
        this.dir = Files.createDirectories(parent.resolve("greylistd"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.socket = dir.resolve("socket");
        Path config = Files.writeString(dir.resolve("config"), """
                [timeouts]
                retryMin = %d
                retryMax = 28800
                expire = 5184000
                [socket]
                path = %s
                owner = root:%s
                mode = 0660
                [data]
                update = 600
                statefile = %s
                tripletfile = %s
                savetriplets = true
                """.formatted(retryMinSeconds, socket, group, dir.resolve("states"), dir.resolve("triplets")));
        Path script = copyWithConfig(DAEMON, dir, config);
        ProcessBuilder pb = new ProcessBuilder(PYTHON, script.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("greylistd.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("PYTHONHASHSEED", "0");
        this.daemon = pb.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(COMMAND_SECONDS);
        while (!answers(socket)) {
            if (!daemon.isAlive() || System.nanoTime() > end) {
                close();
                throw new IOException("greylistd did not open " + socket + ":\n" + TestFiles.readOrEmpty(dir.resolve("greylistd.out")));
            }
            Thread.sleep(50);
        }
    }

    /** The UNIX socket greylistd listens on. */
    public Path socket() {
        return socket;
    }

    /** What greylistd printed (it logs to syslog; this is its stdout and stderr). */
    public String output() {
        return TestFiles.readOrEmpty(dir.resolve("greylistd.out"));
    }

    /** {@code greylist ARGS} against this daemon. */
    public Tool tool(String... args) throws IOException, InterruptedException {
        return tool(socket, dir, args);
    }

    /** What greylistd's {@code greylist} tool printed and its exit status (white/true 0, grey/false 1, black 2, error 255). */
    public record Tool(int exitStatus, String output) {}

    /**
     * Runs greylistd's own {@code greylist} tool (a copy reading a config under {@code workDir}
     * that names {@code socket}) with {@code args}: the tool as an admin runs it, against any
     * greylistd-protocol socket (greylistd's or Warden's door).
     */
    public static Tool tool(Path socket, Path workDir, String... args) throws IOException, InterruptedException {
        requireInstalled();
        Path toolDir = Files.createDirectories(workDir.resolve("greylist-tool"));
        Path config = Files.writeString(toolDir.resolve("config"), "[socket]\npath = " + socket + "\n");
        Path script = copyWithConfig(TOOL, toolDir, config);
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(toolDir, "greylist", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("greylist " + String.join(" ", args) + " did not finish within " + COMMAND_SECONDS + "s");
            }
            return new Tool(p.exitValue(), TestFiles.readOrEmpty(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Override
    public void close() {
        daemon.destroy();
        try {
            if (!daemon.waitFor(10, TimeUnit.SECONDS)) daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            daemon.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Path copyWithConfig(Path program, Path into, Path config) throws IOException {
        String text = Files.readString(program, StandardCharsets.UTF_8);
        if (!text.contains('"' + SYSTEM_CONFIG + '"')) {
            throw new IllegalStateException(program + " no longer names \"" + SYSTEM_CONFIG + "\": the copy would read the system's config");
        }
        return Files.writeString(into.resolve(program.getFileName()), text.replace('"' + SYSTEM_CONFIG + '"', '"' + config.toString() + '"'));
    }

    private static boolean answers(Path socket) {
        if (!Files.exists(socket)) return false;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void requireInstalled() {
        if (!Files.isReadable(DAEMON) || !Files.isReadable(TOOL) || !Files.isExecutable(Path.of(PYTHON))) {
            throw new AssertionError("greylistd is not installed: run .ci/run, or apt-get install greylistd");
        }
    }

    /** How long greylistd's whole-second clock needs before a retry passes with {@code retryMin} seconds. */
    public static Duration retryAfter(int retryMinSeconds) {
        return Duration.ofSeconds(retryMinSeconds + 1);
    }
}
