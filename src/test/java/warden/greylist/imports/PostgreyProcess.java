package warden.greylist.imports;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private, real postgrey (Debian's /usr/sbin/postgrey 1.37) on a UNIX socket in a temporary
 * directory, with its database directory and whitelist files there, run as the current user.
 *
 * <p>Requests are Postfix SMTPD access policy requests. postgrey honours a
 * {@code policy_test_time} attribute ("connections from the policy-test script") as the time of
 * the request, which lets a test make hours of real postgrey history in a second.
 */
final class PostgreyProcess implements AutoCloseable {

    static final Path DAEMON = Path.of("/usr/sbin/postgrey");

    final Path dir;
    final Path socket;
    final Path dbdir;
    final Path clients;
    final Path recipients;
    private Process process;
    private SocketChannel channel;
    private BufferedReader replies;
    private OutputStream requests;
    private int instance;

    PostgreyProcess(Path dir) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("sock");
        this.dbdir = Files.createDirectories(dir.resolve("db"));
        this.clients = dir.resolve("whitelist_clients");
        this.recipients = dir.resolve("whitelist_recipients");
        if (!Files.exists(clients)) Files.writeString(clients, "");
        if (!Files.exists(recipients)) Files.writeString(recipients, "");
    }

    /** Starts postgrey with these extra options (e.g. {@code --auto-whitelist-clients=2}); waits for its socket. */
    void start(String... options) throws IOException, InterruptedException {
        if (!Files.isRegularFile(DAEMON)) {
            throw new AssertionError("postgrey is not installed, and the import tests need the real one: apt-get install -y postgrey");
        }
        PosixFileAttributes owner = Files.readAttributes(dir, PosixFileAttributes.class);
        List<String> command = new ArrayList<>(List.of(DAEMON.toString(), "--unix=" + socket, "--dbdir=" + dbdir,
                "--whitelist-clients=" + clients, "--whitelist-recipients=" + recipients,
                "--user=" + owner.owner().getName(), "--group=" + owner.group().getName(), "--hostname=mx.test"));
        command.addAll(List.of(options));
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("postgrey.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            if (!process.isAlive()) throw new AssertionError("postgrey exited: " + Files.readString(dir.resolve("postgrey.out")));
            if (System.nanoTime() > deadline) throw new AssertionError("postgrey made no socket at " + socket + " within 20 s");
            if (Files.exists(socket)) {
                try {
                    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                    channel.connect(UnixDomainSocketAddress.of(socket));
                    break;
                } catch (IOException notYet) {
                    channel = null;
                }
            }
            Thread.sleep(50);
        }
        replies = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.US_ASCII));
        requests = Channels.newOutputStream(channel);
    }

    /**
     * One RCPT request at {@code time} (epoch seconds) from {@code client}; returns the action line
     * without {@code action=}.
     */
    String rcpt(long time, String client, String sender, String recipient) throws IOException {
        return rcpt(time, client, "unknown", sender, recipient);
    }

    /** {@link #rcpt(long, String, String, String)} from a client with a verified name ({@code unknown}: none). */
    String rcpt(long time, String client, String name, String sender, String recipient) throws IOException {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("request", "smtpd_access_policy");
        a.put("protocol_state", "RCPT");
        a.put("protocol_name", "ESMTP");
        a.put("client_address", client);
        a.put("client_name", name);
        a.put("reverse_client_name", name);
        a.put("helo_name", "mail.example.org");
        a.put("sender", sender);
        a.put("recipient", recipient);
        a.put("instance", "inst." + ++instance);
        a.put("policy_test_time", Long.toString(time));
        StringBuilder text = new StringBuilder();
        a.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        requests.write(text.append('\n').toString().getBytes(StandardCharsets.US_ASCII));
        requests.flush();
        String action = replies.readLine();
        String blank = replies.readLine();
        if (action == null || !action.startsWith("action=") || !"".equals(blank)) {
            throw new AssertionError("postgrey answered '" + action + "' then '" + blank + "'");
        }
        return action.substring("action=".length());
    }

    /** SIGTERM, as the init script does: Berkeley DB is closed and its files are consistent. */
    void stop() throws IOException, InterruptedException {
        if (channel != null) channel.close();
        if (process == null) return;
        process.destroy();
        // Perl takes a signal when its poll(2) returns; under Surefire's JVM the poll is restarted
        // and postgrey would sleep on with SIGTERM noted but not acted on: a connection wakes it.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() > deadline) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("postgrey did not stop on SIGTERM within 20 s");
            }
            try (SocketChannel wake = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                wake.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException gone) {
                // closing its socket already
            }
        }
        process = null;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (channel != null) channel.close();
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
            process = null;
        }
    }
}
