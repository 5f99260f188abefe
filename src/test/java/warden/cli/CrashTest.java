package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.LoopbackPorts;
import warden.testing.ServeProcess;
import warden.testing.TestDnsServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} under load: a real {@code warden serve} in a child JVM receives from several
 * concurrent clients and is killed with SIGKILL while messages are in flight. Every message that
 * got its 250 must then be in each of its mailboxes exactly once, and every file in a {@code new/}
 * must be a whole message (RFC 5321 section 6.1: the 250 is a promise; the Maildir protocol: a
 * file in {@code new/} is complete). Messages cut off before their 250 may or may not be there.
 *
 * <p>Bounded: 6 clients, messages of about 48 KiB, the kill after 40 acknowledgements or 30
 * seconds, whichever comes first.
 */
class CrashTest {

    private static final int CLIENTS = 6;
    private static final int KILL_AFTER_ACKS = 40;
    private static final int USERS = 3;
    private static final Pattern TOKEN = Pattern.compile("^X-Crash-Token: (c\\d+-\\d+)$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    /** A message that got its 250, and the mailboxes it was for. */
    private record Acked(String token, List<String> users) {}

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyAcknowledgedMessageSurvivesSigkillOnceAndWhole() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            int port = LoopbackPorts.free();
            Path data = dir.resolve("var");
            for (int u = 0; u < USERS; u++) {
                for (String sub : List.of("tmp", "new", "cur")) Files.createDirectories(maildir(data, "u" + u).resolve(sub));
            }
            Path yaml = Files.writeString(dir.resolve("warden.yaml"), """
                    hostname: mx.crash.test
                    listen: ["127.0.0.1:%d"]
                    data_dir: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                    greylist: {enabled: false}
                    limits: {message_size: 1M}
                    """.formatted(port, data, dns.address().getPort()));
            ServeProcess warden = ServeProcess.start(yaml, dir);
            try {
                warden.awaitListening(port);
                List<Acked> acked = Collections.synchronizedList(new ArrayList<>());
                AtomicInteger acks = new AtomicInteger();
                AtomicBoolean killed = new AtomicBoolean();
                CountDownLatch enough = new CountDownLatch(1);
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(Thread.ofPlatform().name("crash-client-" + c).start(() ->
                            send(port, client, acked, acks, killed, enough)));
                }
                enough.await(30, TimeUnit.SECONDS);
                warden.kill(); // SIGKILL: no shutdown hook, no flush
                killed.set(true);
                for (Thread t : clients) t.join(30_000);

                assertThat(acked).as("acknowledged before the kill").hasSizeGreaterThanOrEqualTo(1);
                Map<String, Map<String, Integer>> found = new HashMap<>();
                for (int u = 0; u < USERS; u++) {
                    String user = "u" + u;
                    Map<String, Integer> tokens = new HashMap<>();
                    for (Path f : list(maildir(data, user).resolve("new"))) {
                        String text = Files.readString(f, StandardCharsets.ISO_8859_1);
                        Matcher m = TOKEN.matcher(text);
                        assertThat(m.find()).as("a file in new/ without its token: %s", f).isTrue();
                        String token = m.group(1);
                        assertThat(text).as("whole message %s", f).endsWith("END " + token + "\n")
                                .contains("Envelope-to: ").contains("Received: from ");
                        Matcher size = Pattern.compile(",S=(\\d+)").matcher(f.getFileName().toString());
                        assertThat(size.find()).isTrue();
                        assertThat(Files.size(f)).as("S= of %s", f).isEqualTo(Long.parseLong(size.group(1)));
                        tokens.merge(token, 1, Integer::sum);
                    }
                    found.put(user, tokens);
                }
                for (Acked a : List.copyOf(acked)) {
                    for (String user : a.users()) {
                        assertThat(found.get(user).get(a.token()))
                                .as("copies of acknowledged %s in %s", a.token(), user).isEqualTo(1);
                    }
                }
                for (Map<String, Integer> tokens : found.values()) {
                    assertThat(tokens.values()).as("no message twice in a mailbox").allMatch(n -> n == 1);
                }
                int inNew = found.values().stream().mapToInt(Map::size).sum();
                int inTmp = 0;
                for (int u = 0; u < USERS; u++) inTmp += list(maildir(data, "u" + u).resolve("tmp")).size();
                System.out.printf("crash: %d messages acknowledged, %d copies in new/, %d left in tmp/%n",
                        acked.size(), inNew, inTmp);

                // And the server comes back on the same data after the kill, and delivers.
                warden = ServeProcess.start(yaml, dir);
                warden.awaitListening(port);
                List<Acked> after = Collections.synchronizedList(new ArrayList<>());
                AtomicBoolean stop = new AtomicBoolean();
                CountDownLatch one = new CountDownLatch(1);
                Thread again = Thread.ofPlatform().start(() -> send(port, 99, after, new AtomicInteger(), stop, one));
                assertThat(one.await(30, TimeUnit.SECONDS)).isTrue();
                stop.set(true);
                again.join(30_000);
                String token = after.getFirst().token();
                for (String user : after.getFirst().users()) {
                    long copies = 0;
                    for (Path f : list(maildir(data, user).resolve("new"))) {
                        if (Files.readString(f, StandardCharsets.ISO_8859_1).contains("X-Crash-Token: " + token + "\n")) copies++;
                    }
                    assertThat(copies).as("%s after the restart in %s", token, user).isEqualTo(1);
                }
            } finally {
                warden.kill();
            }
        }
    }

    /** One client: one connection, messages one after the other until the server dies. */
    private static void send(int port, int client, List<Acked> acked, AtomicInteger acks, AtomicBoolean killed,
                             CountDownLatch enough) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            command(out, in, "EHLO client" + client + ".crash.test", "250");
            String body = bodyOfAbout48KiB();
            for (int n = 0; !killed.get(); n++) {
                String token = "c" + client + "-" + n;
                List<String> users = n % 3 == 0 ? List.of("u" + client % USERS, "u" + (client + 1) % USERS)
                        : List.of("u" + (client + n) % USERS);
                command(out, in, "MAIL FROM:<sender" + client + "@example.org>", "250");
                for (String u : users) command(out, in, "RCPT TO:<" + u + "@localhost>", "250");
                command(out, in, "DATA", "354");
                String message = "Message-ID: <" + token + "@crash.test>\r\nX-Crash-Token: " + token
                        + "\r\nSubject: crash " + token + "\r\n\r\n" + body + "END " + token + "\r\n.\r\n";
                byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
                // In pieces, so that the kill finds messages half sent.
                for (int off = 0; off < bytes.length; off += 8192) {
                    out.write(bytes, off, Math.min(8192, bytes.length - off));
                    out.flush();
                }
                String reply = in.readLine();
                if (reply == null) return;
                if (reply.startsWith("250")) {
                    acked.add(new Acked(token, users));
                    if (acks.incrementAndGet() >= KILL_AFTER_ACKS || client == 99) enough.countDown();
                } else if (!killed.get()) {
                    throw new AssertionError("DATA answered " + reply);
                }
            }
        } catch (IOException e) {
            // The server was killed under us: expected once killed is set.
            if (!killed.get()) throw new AssertionError("client " + client + " failed before the kill", e);
        }
    }

    private static String bodyOfAbout48KiB() {
        StringBuilder b = new StringBuilder(49_500);
        for (int i = 0; b.length() < 48 * 1024; i++) {
            b.append("line ").append(i).append(" of a message that must arrive whole or not at all\r\n");
        }
        return b.toString();
    }

    private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    /** Reads one (possibly multi-line) reply; fails unless it has {@code code}. */
    private static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed");
            if (!line.startsWith(code)) throw new IOException("expected " + code + ", got " + line);
        } while (line.length() > 3 && line.charAt(3) == '-');
    }

    private static Path maildir(Path data, String user) {
        return data.resolve("mail").resolve(user).resolve("Maildir");
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }
}
