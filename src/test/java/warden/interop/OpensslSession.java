package warden.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code openssl s_client} driven line by line, as the seed's "Using openssl to test" section
 * does by hand: {@code -starttls smtp} (s_client reads the banner, sends EHLO and STARTTLS, then
 * shakes hands) or TLS from the first byte. {@code -brief} prints the negotiated protocol, cipher
 * and verification result on standard error; standard output then carries only what the server
 * sends inside TLS, read here reply by reply. The certificate is checked against the test CA and
 * the SNI name ({@code -verify_return_error -verify_hostname}), so a handshake with a wrong chain
 * fails.
 *
 * <p>Standards: RFC 3207 (STARTTLS), RFC 8314 (implicit TLS), RFC 6066 section 3 (SNI).
 */
final class OpensslSession implements AutoCloseable {

    private static final Pattern PROTOCOL = Pattern.compile("Protocol version: (\\S+)");
    private static final Pattern CIPHER = Pattern.compile("Ciphersuite: (\\S+)");

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer stderr = new StringBuffer();
    private final StringBuffer transcript = new StringBuffer();

    private OpensslSession(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        Thread.ofVirtual().start(() -> pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true));
        Thread.ofVirtual().start(() -> pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false));
    }

    /** {@code openssl s_client -starttls smtp} to 127.0.0.1:port, plus {@code extra} options (e.g. {@code -tls1_2}). */
    static OpensslSession starttls(int port, String sni, Path caFile, String... extra) throws IOException {
        return start(port, sni, caFile, true, extra);
    }

    /** {@code openssl s_client -connect}: TLS from the first byte (port 465). */
    static OpensslSession implicit(int port, String sni, Path caFile, String... extra) throws IOException {
        return start(port, sni, caFile, false, extra);
    }

    private static OpensslSession start(int port, String sni, Path caFile, boolean starttls, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", sni, "-CAfile", caFile.toString(), "-verify_return_error", "-verify_hostname", sni,
                "-brief", "-crlf", "-ign_eof", "-nocommands"));
        if (starttls) cmd.addAll(List.of("-starttls", "smtp", "-name", "client.example.org"));
        cmd.addAll(List.of(extra));
        return new OpensslSession(new ProcessBuilder(cmd).start());
    }

    private void pump(BufferedReader r, boolean out) {
        try (r) {
            String line;
            while ((line = r.readLine()) != null) {
                if (out) {
                    transcript.append("S: ").append(line).append('\n');
                    lines.add(line);
                } else {
                    stderr.append(line).append('\n');
                }
            }
        } catch (IOException closed) {
            // the process ended
        }
    }

    /** The next reply from the server (every line of it), within 20 s. */
    String reply() throws InterruptedException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            String line = lines.poll(20, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("no (complete) reply from the server within 20s; so far: [" + reply
                        + "]\ntranscript:\n" + transcript + "openssl said:\n" + stderr);
            }
            reply.append(line).append('\n');
            if (line.length() < 4 || line.charAt(3) != '-') return reply.toString();
        }
    }

    /** Sends a line (s_client's {@code -crlf} ends it with CRLF) and returns the reply. */
    String command(String line) throws IOException, InterruptedException {
        send(line);
        return reply();
    }

    /** Sends a line without waiting for a reply (message content). */
    void send(String line) throws IOException {
        transcript.append("C: ").append(line).append('\n');
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** The protocol s_client negotiated ({@code TLSv1.3}); fails when it printed none (no handshake). */
    String protocol() throws InterruptedException {
        return brief(PROTOCOL);
    }

    /** The cipher suite s_client negotiated. */
    String cipher() throws InterruptedException {
        return brief(CIPHER);
    }

    /** Whether s_client said the certificate chain and name verified. */
    boolean verified() throws InterruptedException {
        brief(PROTOCOL);
        return stderr.toString().contains("Verification: OK");
    }

    private String brief(Pattern p) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            Matcher m = p.matcher(stderr);
            if (m.find()) return m.group(1);
            Thread.sleep(20);
        }
        throw new AssertionError("openssl s_client printed no " + p.pattern() + "; it said:\n" + stderr);
    }

    /** Waits (20 s at most) for s_client to exit; returns its status. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(20, TimeUnit.SECONDS)) throw new AssertionError("openssl s_client did not exit; said:\n" + stderr);
        return process.exitValue();
    }

    /** What s_client wrote on standard error so far. */
    String stderr() {
        return stderr.toString();
    }

    String transcript() {
        return transcript.toString();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
