package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warden.config.ConfigLoader;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replies never pile up in the heap: a client that pipelines without reading is held back (the
 * session stops reading until its replies drain), cut off when a write blocks longer than
 * {@code command_timeout}, and never holds a shutdown past {@code shutdown_grace}.
 */
class ReplyBackpressureTest {

    /** Buffered replies stay under the bound plus one reply (a HELP reply is under 100 octets). */
    private static final int BOUND = SmtpOutput.PENDING_LIMIT + 512;

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;
    Flood flood;

    @AfterEach
    void stop() throws IOException {
        if (flood != null) flood.close();
        if (smtp != null) smtp.close();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("gave up waiting for " + what);
            Thread.sleep(10);
        }
    }

    /**
     * Input that is all there at once (so the session always has more to read) and an output that
     * takes nothing until released: before the fix the session read all 50 000 HELPs and buffered
     * every reply (about 4.5 MB) before its first write.
     */
    @Test
    void repliesWaitingForAClientThatDoesNotReadStayUnderTheBound() throws Exception {
        StringBuilder script = new StringBuilder("EHLO c.example.org\r\n");
        script.append("HELP\r\n".repeat(50_000)).append("QUIT\r\n");
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch drain = new CountDownLatch(1);
        AtomicLong received = new AtomicLong();
        OutputStream neverRead = new OutputStream() {
            @Override public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    drain.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                received.addAndGet(len);
            }
        };
        InputStream input = new ByteArrayInputStream(script.toString().getBytes(StandardCharsets.US_ASCII));
        SmtpSession session = new SmtpSession(settings(), services(), new SmtpSession.Connection() {
            @Override public InputStream input() { return input; }
            @Override public OutputStream output() { return neverRead; }
            @Override public InetAddress clientAddress() { return InetAddress.getLoopbackAddress(); }
            @Override public int clientPort() { return 40000; }
            @Override public InetAddress localAddress() { return InetAddress.getLoopbackAddress(); }
            @Override public void close() {}
        });
        Thread t = Thread.ofVirtual().start(session::run);
        assertThat(writing.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(session.output().highWater()).isLessThanOrEqualTo(BOUND);
        drain.countDown();
        t.join(60_000);
        assertThat(t.isAlive()).isFalse();
        assertThat(session.output().highWater()).isLessThanOrEqualTo(BOUND);
        assertThat(received.get()).isGreaterThan(50_000L * 80); // every reply was sent in the end
    }

    /** Before the fix the session waited in its write forever (a socket write has no timeout). */
    @Test
    void aClientThatNeverReadsIsCutOffAfterTheCommandTimeout() throws Exception {
        smtp = new TestSmtp("limits: {command_timeout: 1s}\n", store);
        flood = new Flood(smtp.address());
        await(() -> !smtp.server.sessions().isEmpty(), "the session");
        SmtpSession session = smtp.server.sessions().iterator().next();
        await(() -> smtp.server.activeSessions() == 0, "the session to be cut off");
        assertThat(session.output().abandoned()).isTrue();
        assertThat(session.output().highWater()).isLessThanOrEqualTo(BOUND);
        assertThat(flood.sent.get()).isGreaterThan(0);
        smtp.awaitLog("lost: write timeout");
        try (var d = smtp.dialogue()) {
            d.expect(220).send("QUIT").expect(221); // the server goes on
        }
    }

    /**
     * Before the fix the shutdown took the session's output lock, which the blocked write held, and
     * waited until the client read its replies: for ever, for this one.
     */
    @Test
    void aClientThatNeverReadsDoesNotHoldTheShutdownPastTheGrace() throws Exception {
        smtp = new TestSmtp("limits: {command_timeout: 10m, shutdown_grace: 1s}\n", store);
        flood = new Flood(smtp.address());
        await(() -> !smtp.server.sessions().isEmpty(), "the session");
        SmtpSession session = smtp.server.sessions().iterator().next();
        await(() -> session.output().writingFor() > TimeUnit.MILLISECONDS.toNanos(200), "the session's write to block");
        TestSmtp server = smtp;
        smtp = null;
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        closing.get(60, TimeUnit.SECONDS); // the grace is 1 s; the deadline only keeps a regression from hanging
        await(() -> server.server.activeSessions() == 0, "the session to end");
    }

    /** A client that pipelines HELP for ever and reads nothing; its receive buffer is small. */
    static final class Flood implements AutoCloseable {
        final Socket socket = new Socket();
        final AtomicLong sent = new AtomicLong();
        final Thread writer;

        Flood(InetSocketAddress server) throws IOException {
            socket.setReceiveBufferSize(4096);
            socket.connect(server, 5000);
            OutputStream out = socket.getOutputStream();
            byte[] chunk = ("EHLO flood.example.org\r\n" + "HELP\r\n".repeat(10_000)).getBytes(StandardCharsets.US_ASCII);
            byte[] help = "HELP\r\n".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
            writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(chunk);
                    sent.addAndGet(chunk.length);
                    while (true) {
                        out.write(help);
                        sent.addAndGet(help.length);
                    }
                } catch (IOException e) {
                    // the server cut us off, or the test closed the socket
                }
            });
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static SmtpSettings settings() throws Exception {
        return SmtpSettings.from(ConfigLoader.parse("hostname: mx.warden.test\nlisten: [\"127.0.0.1:0\"]\n", "test.yaml"));
    }

    private SessionServices services() {
        return new SessionServices(PolicyEngine.permissive(), TestSmtp.EXAMPLE_TEST, store, Optional.empty(),
                MainLog.console(null), Clock.systemUTC(), SessionServices.Pause.SLEEP, SessionObserver.NONE);
    }
}
