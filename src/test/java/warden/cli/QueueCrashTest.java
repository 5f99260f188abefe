package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.Dialogue;
import warden.testing.LoopbackPorts;
import warden.testing.ScriptedSmtpServer;
import warden.testing.ServeProcess;
import warden.testing.SpoolWait;
import warden.testing.TestDnsServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} while the queue delivers: a real {@code warden serve} in a child JVM relays
 * messages to a scripted loopback SMTP peer (slow replies, so deliveries are always in flight) and
 * is killed with SIGKILL in the middle; a second {@code serve} on the same data finishes the
 * queue. Every message the client got a 250 for must reach the peer, and a message may reach it
 * twice only through the documented window: the peer's 250 came, our journal line was not yet
 * fsync'd. Such a first copy is then the last message (or, with connection reuse, one of the last
 * two) its connection carried before the kill.
 *
 * <p>Bounded: 60 messages, the kill after 15 reached the peer or 30 s.
 *
 * <p>The second test kills {@value #KILLS} times, at a quarter, half and three quarters of the
 * messages delivered, each time starting the server again on the same data, and prints how many
 * copies arrived (the window's width in practice).
 *
 * <p>Standards: RFC 5321 6.1 (an accepted message is delivered, never lost).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class QueueCrashTest {

    private static final int MESSAGES = 60;
    private static final int KILL_AFTER = 15;
    private static final Pattern TOKEN = Pattern.compile("X-Token: (t\\d+)");
    private static final int KILLS = 3;

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedMessageReachesThePeerAfterAKillAndNoneTwiceBeyondTheWindow() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start();
             ScriptedSmtpServer peer = ScriptedSmtpServer.start()) {
            peer.replyDelay(Duration.ofMillis(30));
            int port = LoopbackPorts.free();
            Path yaml = config(port, dns, peer, 8);
            ServeProcess warden = ServeProcess.start(yaml, dir);
            List<String> acked = java.util.Collections.synchronizedList(new ArrayList<>());
            List<ScriptedSmtpServer.Message> beforeKill;
            java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
            Thread client;
            try {
                warden.awaitListening(port);
                client = Thread.ofPlatform().name("crash-client").start(() -> send(port, acked, killed));
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (peer.messages().size() < KILL_AFTER && System.nanoTime() < end) Thread.sleep(2);
            } finally {
                killed.set(true);
                warden.kill(); // SIGKILL: no shutdown hook, nothing flushed
            }
            client.join(30_000);
            beforeKill = peer.messages();
            assertThat(beforeKill.size()).as("delivered before the kill").isGreaterThanOrEqualTo(1);
            assertThat(beforeKill.size()).as("still queued at the kill").isLessThan(MESSAGES);

            warden = ServeProcess.start(yaml, dir);
            try {
                warden.awaitListening(port);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < end && !(queueEmpty() && tokens(peer.messages()).keySet().containsAll(acked))) {
                    Thread.sleep(20);
                }
            } finally {
                warden.kill();
            }

            Map<String, Integer> received = tokens(peer.messages());
            assertThat(received.keySet()).as("every acknowledged message reached the peer").containsAll(acked);
            assertThat(queueEmpty()).as("the queue is empty: " + warden.output()).isTrue();
            List<String> twice = received.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            for (String token : twice) {
                assertThat(received.get(token)).as("copies of %s", token).isEqualTo(2);
                ScriptedSmtpServer.Message first = beforeKill.stream().filter(m -> token(m).equals(token)).findFirst()
                        .orElseThrow(() -> new AssertionError(token + " twice, but not before the kill"));
                List<ScriptedSmtpServer.Message> sameConnection = beforeKill.stream()
                        .filter(m -> m.session() == first.session()).toList();
                assertThat(sameConnection.subList(Math.max(0, sameConnection.size() - 2), sameConnection.size()))
                        .as("%s was sent again: its first copy must be among the last its connection carried", token)
                        .contains(first);
            }
            System.out.printf("queue crash: %d acknowledged, %d at the peer before the kill, %d sent twice (the window)%n",
                    acked.size(), beforeKill.size(), twice.size());
        }
    }

    @Test
    void repeatedKillsMidDeliveryLoseNothingAndEachDuplicateIsAmongTheLastItsConnectionCarried() throws Exception {
        int messages = 50;
        int concurrency = 4;
        try (TestDnsServer dns = TestDnsServer.start(); ScriptedSmtpServer peer = ScriptedSmtpServer.start()) {
            peer.replyDelay(Duration.ofMillis(50)); // every kill finds deliveries in flight
            int port = LoopbackPorts.free();
            Path data = dir.resolve("var");
            Path yaml = config(port, dns, peer, concurrency);
            ServeProcess warden = ServeProcess.start(yaml, dir);
            List<List<ScriptedSmtpServer.Message>> atKill = new ArrayList<>();
            try {
                warden.awaitListening(port);
                try (Dialogue d = Dialogue.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                    d.expect(220).send("EHLO client.crash.test").expect(250);
                    for (int i = 0; i < messages; i++) {
                        d.send("MAIL FROM:<sender@example.org>").expect(250).send("RCPT TO:<r" + i % 5 + "@remote.test>").expect(250)
                                .send("DATA").expect(354)
                                .raw("Subject: crash " + i + "\r\nX-Token: t" + i + "\r\n\r\nbody " + i + "\r\nEND t" + i + "\r\n.\r\n")
                                .expect(250);
                    }
                    d.send("QUIT").expect(221);
                }
                for (int k = 1; k <= KILLS; k++) {
                    awaitDistinct(peer, k * messages / (KILLS + 1));
                    warden.kill();
                    atKill.add(peer.messages());
                    warden = ServeProcess.start(yaml, dir);
                    warden.awaitListening(port);
                }
                awaitDistinct(peer, messages);
                SpoolWait.awaitEmptyQueue(data, Duration.ofSeconds(30));
            } finally {
                warden.kill();
            }

            Map<String, Integer> received = new TreeMap<>(tokens(peer.messages()));
            List<String> twice = received.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            System.out.printf("queue crash, %d kills: %d messages, distinct at the peer at each kill %s, %d copies in all, "
                            + "sent again %s%n", KILLS, messages, atKill.stream().map(m -> tokens(m).size()).toList(),
                    peer.messages().size(), twice);
            assertThat(received).as("every message reached the peer").hasSize(messages);
            assertThat(atKill).as("each kill came with messages still to deliver").allMatch(m -> tokens(m).size() < messages);
            for (ScriptedSmtpServer.Message m : peer.messages()) {
                assertThat(m.text()).as("whole message").endsWith("END " + token(m) + "\r\n");
            }
            for (String token : twice) {
                // The first copy came before some kill, and was among the last two its connection
                // carried before that kill: the peer's 250, our journal line not yet durable.
                ScriptedSmtpServer.Message first = peer.messages().stream().filter(m -> token(m).equals(token)).findFirst().orElseThrow();
                List<ScriptedSmtpServer.Message> before = atKill.stream().filter(m -> m.contains(first)).findFirst()
                        .orElseThrow(() -> new AssertionError(token + " twice, but its first copy came after the last kill"));
                List<ScriptedSmtpServer.Message> sameConnection = before.stream().filter(m -> m.session() == first.session()).toList();
                assertThat(sameConnection.subList(Math.max(0, sameConnection.size() - 2), sameConnection.size()))
                        .as("%s was sent again: its first copy must be among the last its connection carried before the kill", token)
                        .contains(first);
            }
        }
    }

    /** serve on 127.0.0.1:port with data under dir/var, remote.test routed to the peer, retries after a second. */
    private Path config(int port, TestDnsServer dns, ScriptedSmtpServer peer, int concurrency) throws IOException {
        return Files.writeString(dir.resolve("warden.yaml"), """
                hostname: mx.crash.test
                listen: ["127.0.0.1:%d"]
                data_dir: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                greylist: {enabled: false}
                routes:
                  remote.test: ["%s"]
                queue: {retry_min: 1s, retry_max: 2s, concurrency_per_destination: %d}
                """.formatted(port, dir.resolve("var"), dns.address().getPort(), peer.hop(), concurrency));
    }

    /** Waits (2 minutes at most) until {@code n} distinct messages have reached the peer. */
    private static void awaitDistinct(ScriptedSmtpServer peer, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (tokens(peer.messages()).size() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the peer has " + tokens(peer.messages()).size() + " of " + n + " messages");
            }
            Thread.sleep(5);
        }
    }

    /** Sends messages one after the other until all are sent or the server dies under us. */
    private static void send(int port, List<String> acked, java.util.concurrent.atomic.AtomicBoolean killed) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            command(out, in, "EHLO client.crash.test", "250");
            for (int i = 0; i < MESSAGES; i++) {
                command(out, in, "MAIL FROM:<sender@example.org>", "250");
                command(out, in, "RCPT TO:<r" + i % 5 + "@remote.test>", "250");
                command(out, in, "DATA", "354");
                out.write(("Subject: crash " + i + "\r\nX-Token: t" + i + "\r\n\r\nbody " + i + "\r\n.\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                expect(in, "250");
                acked.add("t" + i);
            }
        } catch (IOException e) {
            if (!killed.get()) throw new AssertionError("the client failed before the kill", e);
        }
    }

    private boolean queueEmpty() throws IOException {
        Path q = dir.resolve("var/spool/queue");
        if (!Files.isDirectory(q)) return true;
        try (Stream<Path> s = Files.list(q)) {
            return s.findAny().isEmpty();
        }
    }

    private static Map<String, Integer> tokens(List<ScriptedSmtpServer.Message> messages) {
        Map<String, Integer> out = new HashMap<>();
        for (ScriptedSmtpServer.Message m : messages) out.merge(token(m), 1, Integer::sum);
        return out;
    }

    private static String token(ScriptedSmtpServer.Message m) {
        Matcher t = TOKEN.matcher(m.text());
        return t.find() ? t.group(1) : "";
    }

    private static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed");
            if (!line.startsWith(code)) throw new IOException("expected " + code + ", got " + line);
        } while (line.length() > 3 && line.charAt(3) == '-');
    }
}
