package warden.delivery;

import warden.log.MainLog;
import warden.mail.Envelope;
import warden.recipient.Route;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Throwaway throughput driver for {@link LocalStore} (not a test; run by hand on the file system
 * to measure): {@code DeliveryBench DIR THREADS MESSAGES USERS GROUPCOMMIT [virtual]}.
 *
 * <p>Every message is 5 KB, for one local user out of {@code USERS}, fsync'd before deliver returns.
 * Run it on the file system to measure (an ext4 loop mount: {@code truncate -s 4G /tmp/wd.img;
 * mkfs.ext4 -q /tmp/wd.img; mount -o loop /tmp/wd.img /mnt/wd}) with target/classes,
 * target/test-classes and slf4j-api on the class path; {@code /proc/fs/jbd2/loopN-8/info}
 * counts the journal commits.
 */
public final class DeliveryBench {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int messages = Integer.parseInt(args[2]);
        int users = Integer.parseInt(args[3]);
        boolean group = Boolean.parseBoolean(args[4]);
        boolean virtual = args.length > 5 && args[5].equals("virtual");
        MainLog log = new MainLog(dir.resolve("mainlog"), null, Clock.systemDefaultZone());
        LocalStore store = new LocalStore(dir + "/mail/{user}/Maildir", dir.resolve("spool"), "mx.bench.test", log,
                Clock.systemDefaultZone(), group);
        StringBuilder body = new StringBuilder("From: a@example.org\r\nTo: b@example.net\r\nSubject: bench\r\n\r\n");
        while (body.length() < 5 * 1024) body.append("The quick brown fox jumps over the lazy dog 0123456789.\r\n");
        byte[] content = body.toString().getBytes(StandardCharsets.US_ASCII);
        InetAddress client = InetAddress.getByName("192.0.2.1");
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = virtual ? Executors.newVirtualThreadPerTaskExecutor() : Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < messages; ) {
                    String rcpt = "u" + (i % users) + "@localhost";
                    Trace trace = new Trace("mail.example.org", client, Optional.empty(), "ESMTP", "mx.bench.test",
                            "b" + i, ZonedDateTime.now());
                    store.deliver(new InboundMessage(new Envelope("a@example.org", List.of(rcpt)),
                            Map.of(rcpt, List.of(new Route.Mailbox("u" + (i % users)))), trace, List.of(),
                            warden.message.ReceivedMessage.of(content)));
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
        long nanos = System.nanoTime() - start;
        pool.shutdown();
        log.close();
        System.out.printf("threads=%d messages=%d users=%d groupCommit=%s: %.0f msgs/s (%.2f s)%n",
                threads, messages, users, group, messages / (nanos / 1e9), nanos / 1e9);
    }
}
