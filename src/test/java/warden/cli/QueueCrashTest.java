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

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of the outbound queue in the middle of deliveries: a real {@code warden serve}
 * in a child JVM takes {@value #MESSAGES} messages for a remote domain routed to a loopback peer
 * that answers slowly ({@link ScriptedSmtpServer} with a delay before every reply), and is killed
 * with SIGKILL {@value #KILLS} times, each time after the peer has taken some more messages, then
 * started again on the same data directory. At the end every message must have reached the peer
 * at least once, the queue must be empty, and a message may have reached it twice only inside the
 * window RFC 5321 6.1 accepts: the peer said 250 and our {@code delivered} journal line was not yet
 * durable. Such a message is one whose delivery was in flight at a kill, and no more than
 * {@code queue.concurrency_per_destination} deliveries are in flight at once, so duplicates are
 * bounded by kills &times; that limit. The counts are printed.
 *
 * <p>Standards: RFC 5321 6.1 (an accepted message is delivered, never lost).
 */
class QueueCrashTest {

    private static final int MESSAGES = 50;
    private static final int KILLS = 3;
    private static final int CONCURRENCY = 4;
    private static final Pattern MESSAGE_ID = Pattern.compile("(?m)^Message-ID: <(crash-\\d+)@warden\\.test>\r?$");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyMessageIsDeliveredAfterKillsMidDeliveryAndDuplicatesStayInsideTheWindow() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start(); ScriptedSmtpServer peer = ScriptedSmtpServer.start()) {
            // Slow enough that every kill finds deliveries in flight: ~6 replies per message.
            peer.replyDelay(Duration.ofMillis(50));
            int port = LoopbackPorts.free();
            Path data = dir.resolve("var");
            Path yaml = Files.writeString(dir.resolve("warden.yaml"), """
                    hostname: mx.warden.test
                    listen: ["127.0.0.1:%d"]
                    relay_networks: ["127.0.0.0/8"]
                    data_dir: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                    greylist: {enabled: false}
                    routes:
                      remote.test: ["%s"]
                    queue: {concurrency_per_destination: %d, retry_min: 1s, retry_max: 2s}
                    """.formatted(port, data, dns.address().getPort(), peer.hop(), CONCURRENCY));
            ServeProcess warden = ServeProcess.start(yaml, dir);
            List<Integer> takenAtKill = new ArrayList<>();
            try {
                warden.awaitListening(port);
                try (Dialogue d = Dialogue.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                    d.expect(220).send("EHLO client.warden.test").expect(250);
                    for (int i = 0; i < MESSAGES; i++) {
                        d.send("MAIL FROM:<alice@warden.test>").expect(250)
                                .send("RCPT TO:<user" + i % 3 + "@remote.test>").expect(250)
                                .send("DATA").expect(354)
                                .raw("Message-ID: <crash-" + i + "@warden.test>\r\nSubject: crash " + i
                                        + "\r\n\r\nbody of crash-" + i + "\r\nEND crash-" + i + "\r\n.\r\n")
                                .expect(250);
                    }
                    d.send("QUIT").expect(221);
                }
                for (int k = 1; k <= KILLS; k++) {
                    // Kill at different moments: a quarter, a half, three quarters of the messages delivered.
                    awaitDistinct(peer, k * MESSAGES / (KILLS + 1));
                    warden.kill();
                    takenAtKill.add(copies(peer).size());
                    warden = ServeProcess.start(yaml, dir);
                    warden.awaitListening(port);
                }
                Map<String, Integer> copies = awaitAllAtPeer(peer);
                SpoolWait.awaitEmptyQueue(data, Duration.ofSeconds(30));

                int duplicates = copies.values().stream().mapToInt(n -> n - 1).sum();
                assertThat(takenAtKill).as("distinct messages at the peer at each kill").allMatch(n -> n < MESSAGES);
                System.out.printf("queue crash: %d messages, %d kills (the peer had %s distinct messages at each), %d copies at the peer, "
                                + "%d duplicates %s (allowed: %d = kills x concurrency %d)%n",
                        MESSAGES, KILLS, takenAtKill, peer.messages().size(), duplicates,
                        copies.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList(),
                        KILLS * CONCURRENCY, CONCURRENCY);
                assertThat(copies).as("distinct messages at the peer").hasSize(MESSAGES);
                assertThat(duplicates).as("copies beyond the first, all kills together").isLessThanOrEqualTo(KILLS * CONCURRENCY);
                for (ScriptedSmtpServer.Message m : peer.messages()) {
                    String id = id(m);
                    assertThat(m.text()).as("whole message %s", id).endsWith("END " + id + "\r\n");
                    assertThat(m.sender()).isEqualTo("alice@warden.test");
                }
            } finally {
                warden.kill();
            }
        }
    }

    /** Waits until every message has reached the peer; returns the copies per Message-ID. */
    private static Map<String, Integer> awaitAllAtPeer(ScriptedSmtpServer peer) throws InterruptedException {
        awaitDistinct(peer, MESSAGES);
        return copies(peer);
    }

    /** Waits (2 minutes at most) until {@code n} distinct messages have reached the peer. */
    private static void awaitDistinct(ScriptedSmtpServer peer, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (copies(peer).size() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the peer has " + copies(peer).size() + " of " + n + " messages: " + copies(peer).keySet());
            }
            Thread.sleep(5);
        }
    }

    /** Copies at the peer per Message-ID. */
    private static Map<String, Integer> copies(ScriptedSmtpServer peer) {
        Map<String, Integer> copies = new TreeMap<>();
        for (ScriptedSmtpServer.Message m : peer.messages()) copies.merge(id(m), 1, Integer::sum);
        return copies;
    }

    private static String id(ScriptedSmtpServer.Message m) {
        Matcher id = MESSAGE_ID.matcher(m.text());
        assertThat(id.find()).as("a Message-ID in %s", m.text()).isTrue();
        return id.group(1);
    }
}
