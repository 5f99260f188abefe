package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.Dialogue;
import warden.testing.TestDnsServer;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A message never lives in the heap: {@code warden serve} in a child JVM with a 64 MB heap
 * receives several 21 MB messages at once over loopback, answers 250 to each, and every copy
 * arrives byte-identical. Before DATA was streamed to a data file, one such message alone took
 * more than that heap (the input buffer doubling to 32 MB, its copy, a String of it for the
 * header checks) and the server died of OutOfMemoryError.
 */
class BigMessagesTest {

    private static final int MESSAGES = 4;
    private static final int SIZE = 21 * 1024 * 1024;
    private static final Pattern LISTENING = Pattern.compile("listening on \\[127\\.0\\.0\\.1:(\\d+)]");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void concurrentMessagesOf21MbGetThrough64MbOfHeapByteIdentical() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            Path yaml = dir.resolve("warden.yaml");
            Files.writeString(yaml, """
                    hostname: mx.warden.test
                    listen: ["127.0.0.1:0"]
                    data_dir: %s
                    local_domains: [example.test]
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                    greylist: {enabled: false}
                    limits: {message_size: 25M}
                    """.formatted(dir.resolve("var"), dns.address().getPort()));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process server = new ProcessBuilder(java, "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",
                    "-cp", System.getProperty("java.class.path"), "warden.Warden", "serve", "--config", yaml.toString())
                    .redirectErrorStream(true).start();
            StringBuffer console = new StringBuffer();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> drain(server.getInputStream(), console, port));
            try {
                int p = port.get(60, TimeUnit.SECONDS);
                List<Future<String>> sent = new ArrayList<>();
                try (ExecutorService clients = Executors.newFixedThreadPool(MESSAGES)) {
                    for (int i = 0; i < MESSAGES; i++) {
                        int n = i;
                        sent.add(clients.submit(() -> send(new InetSocketAddress("127.0.0.1", p), n)));
                    }
                }
                List<String> expected = new ArrayList<>();
                for (Future<String> f : sent) expected.add(f.get());

                for (int i = 0; i < MESSAGES; i++) {
                    Path box = dir.resolve("var/mail/user" + i + "/Maildir/new");
                    List<Path> files;
                    try (Stream<Path> s = Files.list(box)) {
                        files = s.toList();
                    }
                    assertThat(files).as("user%d's Maildir", i).hasSize(1);
                    assertThat(contentDigest(files.getFirst())).as("user%d's copy, byte for byte", i).isEqualTo(expected.get(i));
                }
                try (Stream<Path> s = Files.list(dir.resolve("var/spool/receiving"))) {
                    assertThat(s.toList()).as("no data file left behind").isEmpty();
                }
                assertThat(server.isAlive()).as("the server is still running").isTrue();
            } finally {
                server.destroy();
                if (!server.waitFor(60, TimeUnit.SECONDS)) server.destroyForcibly();
                reader.join(10_000);
            }
            assertThat(console.toString()).doesNotContain("OutOfMemoryError");
        }
    }

    private static void drain(InputStream in, StringBuffer console, CompletableFuture<Integer> port) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                console.append(line).append('\n');
                Matcher m = LISTENING.matcher(line);
                if (m.find()) port.complete(Integer.parseInt(m.group(1)));
            }
        } catch (IOException e) {
            port.completeExceptionally(e);
        }
        port.completeExceptionally(new IOException("the server ended before listening:\n" + console));
    }

    /**
     * Sends message {@code n} (dot-stuffed on the wire), streamed, and returns the SHA-256 of
     * the content as a Maildir stores it (LF line ends, from its first line on).
     */
    private static String send(InetSocketAddress server, int n) throws Exception {
        MessageDigest lf = MessageDigest.getInstance("SHA-256");
        try (Dialogue d = Dialogue.connect(server)) {
            d.socket().setSoTimeout(120_000);
            d.inTransaction("sender@example.org", "user" + n + "@example.test").send("DATA").expect(354);
            OutputStream wire = new BufferedOutputStream(d.socket().getOutputStream(), 64 * 1024);
            long written = 0;
            for (int line = 0; written < SIZE; line++) {
                String text = line == 0 ? "X-Test-Start: message " + n
                        : line < 5 ? "Subject: big message " + n + " header " + line
                        : line == 5 ? ""
                        : (line % 17 == 0 ? "." : "") + "line " + line + " of message " + n + " " + "abcdefghij".repeat(line % 9);
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                if (text.startsWith(".")) wire.write('.'); // RFC 5321 4.5.2
                wire.write(bytes);
                wire.write('\r');
                wire.write('\n');
                lf.update(bytes);
                lf.update((byte) '\n');
                written += bytes.length + 2;
            }
            wire.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            wire.flush();
            d.expect(250).send("QUIT").expect(221);
        }
        return HexFormat.of().formatHex(lf.digest());
    }

    /** SHA-256 of a Maildir file from the message's first line on (after the headers we add). */
    private static String contentDigest(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8192);
            String text = new String(head, StandardCharsets.ISO_8859_1);
            int start = text.indexOf("X-Test-Start: ");
            assertThat(start).as("the message's first line in " + file).isPositive();
            md.update(head, start, head.length - start);
            byte[] buf = new byte[64 * 1024];
            for (int k; (k = in.read(buf)) > 0; ) md.update(buf, 0, k);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
