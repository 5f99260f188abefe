package warden.bench;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A load generator for SMTP over STARTTLS (or TLS from the first byte), for {@code bench/tls.sh}:
 * {@code smtp-source} cannot speak TLS. N sessions run at once, each on a virtual thread with a
 * blocking {@link SSLSocket}; every reply is checked (a wrong one ends the run with status 1, as
 * {@code smtp-pipe} does), and the run prints counts, a rate and latency percentiles, then one
 * {@code result key=value ...} line for the script.
 *
 * <p>Modes:
 * <ul>
 * <li>{@code handshakes}: {@code --count} sessions of connect, banner, EHLO, STARTTLS, handshake,
 *     EHLO, QUIT; the rate is sessions per second; latencies are the session (connect to 221) and
 *     the handshake (STARTTLS sent to handshake done).</li>
 * <li>{@code messages}: {@code --count} messages of {@code --size} body bytes, {@code --per-conn}
 *     per session (one EHLO/STARTTLS/EHLO each), one command at a time (as {@code smtp-source -d});
 *     the latency is MAIL to the reply after the final dot.</li>
 * <li>{@code hold}: {@code --count} sessions brought to the EHLO after the handshake and left open
 *     and idle, until the file {@code --release} exists (then QUIT) or {@code --hold-timeout}
 *     passes; sessions the server does not serve within {@code --hold-timeout} (a banner that never
 *     comes) are counted, not failures. Prints {@code held N} when every session is either held or
 *     given up, for the script to measure the server's memory.</li>
 * </ul>
 *
 * <p>{@code --warmup N} first runs N handshakes or messages (to {@code --warmup-to}, so that a
 * script can tell them from the measured ones) in the same JVM, prints {@code warm: ...}, and,
 * with {@code --go FILE}, waits until that file exists (the script lets the servers' queues drain
 * first); then the measured phase. The {@code result} line carries {@code start}, the measured
 * phase's start in seconds since the epoch, for an end-to-end time measured by the script.
 *
 * <p>The client trusts any certificate (a benchmark of the server, not of PKI) and sends SNI
 * ({@code --sni}). Without {@code --resume} every session makes a full handshake: each is given
 * its own key in the client's session cache, so none is resumed; with it the client offers the
 * last session to the same server (TLS 1.3 PSK or a TLS 1.2 session), as an MTA client with a
 * session cache does.
 *
 * <p>Standards: RFC 5321 (the dialogue), RFC 3207 (STARTTLS), RFC 8314 (implicit TLS), RFC 6066
 * section 3 (SNI), RFC 8446 (TLS 1.3).
 */
public final class TlsLoad {

    private final Options o;
    private final SSLSocketFactory tls;
    private final AtomicInteger cacheKey = new AtomicInteger(1);
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicReference<String> negotiated = new AtomicReference<>();
    private final ConcurrentLinkedQueue<long[][]> samples = new ConcurrentLinkedQueue<>();

    private TlsLoad(Options o) throws Exception {
        this.o = o;
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new TrustAny()}, null);
        context.getClientSessionContext().setSessionCacheSize(1000);
        this.tls = context.getSocketFactory();
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        int status = new TlsLoad(o).run();
        System.exit(status);
    }

    private int run() throws Exception {
        return switch (o.mode) {
            case "handshakes", "messages" -> load();
            case "hold" -> hold();
            default -> throw new IllegalArgumentException("--mode handshakes|messages|hold, not " + o.mode);
        };
    }

    // ---- handshakes and messages

    private int load() throws Exception {
        if (o.warmup > 0) {
            samples.clear();
            Phase warm = phase(o.warmup, o.warmupTo);
            if (failure.get() != null) {
                System.out.printf("FAILED in the warm-up after %d %s: %s%n", warm.done, o.mode, failure.get());
                return 1;
            }
            System.out.printf("warm: %d %s (not counted) in %.2f s%n", warm.done, o.mode, warm.seconds);
            System.out.flush();
            if (o.go != null) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.holdMax);
                while (!Files.exists(o.go)) {
                    if (System.nanoTime() > until) throw new IOException(o.go + " did not appear within " + o.holdMax + " s");
                    Thread.sleep(20);
                }
            }
            samples.clear();
        }
        double start = System.currentTimeMillis() / 1e3;
        Phase run = phase(o.count, o.to);
        return report(run, start);
    }

    private record Phase(int done, double seconds) {}

    /** {@code count} handshakes or messages (to {@code rcpt}) over {@code --sessions} concurrent sessions. */
    private Phase phase(int count, String rcpt) throws InterruptedException {
        int sessions = o.mode.equals("handshakes") ? count : (count + o.perConn - 1) / o.perConn;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger messagesLeft = new AtomicInteger(count);
        AtomicInteger done = new AtomicInteger();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < o.sessions; w++) {
                pool.submit(() -> {
                    List<Long> sessionNs = new ArrayList<>();
                    List<Long> innerNs = new ArrayList<>();
                    while (failure.get() == null && next.getAndIncrement() < sessions) {
                        try {
                            long s0 = System.nanoTime();
                            if (o.mode.equals("handshakes")) {
                                innerNs.add(handshakeSession());
                                done.incrementAndGet();
                            } else {
                                int mine = take(messagesLeft, o.perConn);
                                if (mine == 0) break;
                                messageSession(mine, rcpt, innerNs);
                                done.addAndGet(mine);
                            }
                            sessionNs.add(System.nanoTime() - s0);
                        } catch (Exception e) {
                            failure.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                        }
                    }
                    samples.add(new long[][] {toArray(sessionNs), toArray(innerNs)});
                });
            }
        }
        return new Phase(done.get(), (System.nanoTime() - t0) / 1e9);
    }

    private int report(Phase run, double start) {
        double seconds = run.seconds;
        int done = run.done;
        List<Long> sessionAll = new ArrayList<>();
        List<Long> innerAll = new ArrayList<>();
        for (long[][] worker : samples) {
            for (long v : worker[0]) sessionAll.add(v);
            for (long v : worker[1]) innerAll.add(v);
        }
        String inner = o.mode.equals("handshakes") ? "handshake" : "message";
        Map<String, String> result = new LinkedHashMap<>();
        result.put("mode", o.mode);
        result.put("ok", String.valueOf(done));
        result.put("sessions", String.valueOf(sessionAll.size()));
        result.put("start", String.format(Locale.ROOT, "%.3f", start));
        result.put("seconds", String.format(Locale.ROOT, "%.3f", seconds));
        result.put("rate", String.format(Locale.ROOT, "%.1f", done / seconds));
        percentiles(result, "session", sessionAll);
        percentiles(result, inner, innerAll);
        result.put("tls", String.valueOf(negotiated.get()));
        if (failure.get() != null) {
            System.out.printf("FAILED after %d %s: %s%n", done, o.mode, failure.get());
            result.put("failed", "1");
            printResult(result);
            return 1;
        }
        System.out.printf("%d %s over %d concurrent sessions in %.2f s: %.1f/s; %s p50 %s ms, p99 %s ms; %s%n",
                done, o.mode, o.sessions, seconds, done / seconds, inner, result.get(inner + "_p50_ms"),
                result.get(inner + "_p99_ms"), negotiated.get());
        printResult(result);
        return 0;
    }

    private static int take(AtomicInteger left, int want) {
        while (true) {
            int l = left.get();
            if (l <= 0) return 0;
            int mine = Math.min(l, want);
            if (left.compareAndSet(l, l - mine)) return mine;
        }
    }

    /** Connect, EHLO, STARTTLS, handshake, EHLO, QUIT; returns the handshake's nanoseconds. */
    private long handshakeSession() throws IOException {
        try (Session s = Session.open(this)) {
            long hs = s.secure();
            s.command("QUIT", "221");
            return hs;
        }
    }

    private void messageSession(int messages, String rcpt, List<Long> messageNs) throws IOException {
        try (Session s = Session.open(this)) {
            s.secure();
            for (int m = 0; m < messages; m++) {
                long m0 = System.nanoTime();
                s.command("MAIL FROM:<" + o.from + ">", "250");
                s.command("RCPT TO:<" + rcpt + ">", "250");
                s.command("DATA", "354");
                s.send(body(rcpt));
                s.expect("250", "end of data");
                messageNs.add(System.nanoTime() - m0);
            }
            s.command("QUIT", "221");
        }
    }

    private final AtomicInteger messageNumber = new AtomicInteger();

    /** A message of about {@code --size} body bytes with a unique Message-ID, dot-stuffed, ending CRLF.CRLF. */
    private byte[] body(String rcpt) {
        StringBuilder b = new StringBuilder(o.size + 512);
        int n = messageNumber.incrementAndGet();
        b.append("From: <").append(o.from).append(">\r\nTo: <").append(rcpt).append(">\r\n")
                .append("Subject: tls bench ").append(n).append("\r\n")
                .append("Message-ID: <tls-bench-").append(ProcessHandle.current().pid()).append('-').append(n)
                .append("@bench.test>\r\nDate: Thu, 03 Dec 2026 04:00:00 +0000\r\n\r\n");
        int bodyStart = b.length();
        for (int line = 0; b.length() - bodyStart < o.size; line++) {
            b.append("line ").append(line).append(" of a benchmark message over TLS, seventy-odd octets long.\r\n");
        }
        b.append(".\r\n");
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    // ---- hold

    private int hold() throws Exception {
        List<Session> held = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger unserved = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.holdTimeout);
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < o.sessions; w++) {
                pool.submit(() -> {
                    while (failure.get() == null && next.getAndIncrement() < o.count) {
                        Session s = null;
                        try {
                            s = Session.open(this, deadline);
                            s.secure();
                            held.add(s);
                        } catch (SocketTimeoutException | java.net.ConnectException notServed) {
                            unserved.incrementAndGet();
                            if (s != null) s.closeQuietly();
                        } catch (Exception e) {
                            if (s != null) s.closeQuietly();
                            if (System.nanoTime() > deadline) {
                                unserved.incrementAndGet();
                            } else {
                                failure.compareAndSet(null, e.getClass().getSimpleName() + ": " + e.getMessage());
                            }
                        }
                    }
                });
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, String> result = new LinkedHashMap<>();
        result.put("mode", "hold");
        result.put("held", String.valueOf(held.size()));
        result.put("unserved", String.valueOf(unserved.get()));
        result.put("seconds", String.format(Locale.ROOT, "%.3f", seconds));
        result.put("tls", String.valueOf(negotiated.get()));
        if (failure.get() != null) {
            System.out.printf("FAILED after %d held: %s%n", held.size(), failure.get());
            result.put("failed", "1");
            printResult(result);
            held.forEach(Session::closeQuietly);
            return 1;
        }
        System.out.printf("held %d TLS sessions after EHLO (%d not served within %d s) in %.1f s; %s%n", held.size(),
                unserved.get(), o.holdTimeout, seconds, negotiated.get());
        printResult(result);
        System.out.flush();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.holdMax);
        while (System.nanoTime() < until && (o.release == null || !Files.exists(o.release))) {
            Thread.sleep(100);
        }
        int lost = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Boolean>> quits = new ArrayList<>();
            for (Session s : held) {
                quits.add(pool.submit(() -> {
                    try (s) {
                        s.command("QUIT", "221");
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                }));
            }
            for (var q : quits) if (!q.get()) lost++;
        }
        System.out.printf("released: %d sessions ended with QUIT/221, %d had been closed by the server%n",
                held.size() - lost, lost);
        return 0;
    }

    // ---- output

    private static void percentiles(Map<String, String> result, String name, List<Long> ns) {
        long[] a = toArray(ns);
        Arrays.sort(a);
        for (int p : new int[] {50, 90, 99}) {
            result.put(name + "_p" + p + "_ms", a.length == 0 ? "-" : ms(a[Math.min(a.length - 1, a.length * p / 100)]));
        }
        result.put(name + "_max_ms", a.length == 0 ? "-" : ms(a[a.length - 1]));
    }

    private static String ms(long ns) {
        return String.format(Locale.ROOT, "%.2f", ns / 1e6);
    }

    private static void printResult(Map<String, String> result) {
        StringBuilder b = new StringBuilder("result");
        result.forEach((k, v) -> b.append(' ').append(k).append('=').append(v.replace(' ', '_')));
        System.out.println(b);
    }

    private static long[] toArray(List<Long> list) {
        long[] a = new long[list.size()];
        for (int i = 0; i < a.length; i++) a[i] = list.get(i);
        return a;
    }

    // ---- one SMTP session

    /** One client connection: plain until {@link #secure}, then TLS. */
    private static final class Session implements AutoCloseable {
        private final TlsLoad load;
        private final Socket plain;
        private final long deadline;
        private Socket socket;
        private InputStream in;
        private OutputStream out;

        private Session(TlsLoad load, Socket plain, long deadline) throws IOException {
            this.load = load;
            this.plain = plain;
            this.deadline = deadline;
            this.socket = plain;
            this.in = new BufferedInputStream(plain.getInputStream(), 4096);
            this.out = plain.getOutputStream();
        }

        static Session open(TlsLoad load) throws IOException {
            return open(load, 0);
        }

        /** Connects and reads the banner ({@code deadline}: a System.nanoTime() after which reads time out; 0: 30 s each). */
        static Session open(TlsLoad load, long deadline) throws IOException {
            Options o = load.o;
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(o.address, 30_000);
                Session session = new Session(load, s, deadline);
                if (o.implicit) session.handshake();
                session.timeout();
                session.expect("220", "banner");
                return session;
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }

        /** EHLO, STARTTLS, the handshake, EHLO again (STARTTLS must not be offered again); returns the handshake's ns. */
        long secure() throws IOException {
            Options o = load.o;
            long hs;
            if (o.implicit) {
                hs = 0;
            } else {
                String ehlo = command("EHLO " + o.helo, "250");
                if (!ehlo.contains("STARTTLS")) throw new IOException("the server does not offer STARTTLS: " + ehlo);
                long h0 = System.nanoTime();
                command("STARTTLS", "220");
                handshake();
                hs = System.nanoTime() - h0;
            }
            String again = command("EHLO " + o.helo, "250");
            if (again.contains("STARTTLS")) throw new IOException("STARTTLS offered again inside TLS: " + again);
            return hs;
        }

        private void handshake() throws IOException {
            Options o = load.o;
            // The port given here is only the client session cache's key: a new one per session
            // means no session is offered for resumption.
            int key = o.resume ? o.address.getPort() : load.cacheKey.getAndIncrement();
            SSLSocket ssl = (SSLSocket) load.tls.createSocket(plain, o.sni, key, true);
            ssl.setUseClientMode(true);
            SSLParameters p = ssl.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(o.sni)));
            ssl.setSSLParameters(p);
            timeout();
            ssl.startHandshake();
            if (load.negotiated.get() == null) {
                load.negotiated.compareAndSet(null, ssl.getSession().getProtocol() + "/" + ssl.getSession().getCipherSuite());
            }
            socket = ssl;
            in = new BufferedInputStream(ssl.getInputStream(), 4096);
            out = ssl.getOutputStream();
        }

        private void timeout() throws IOException {
            if (deadline == 0) {
                socket.setSoTimeout(30_000);
            } else {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) throw new SocketTimeoutException("hold timeout passed");
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
            }
        }

        String command(String line, String expected) throws IOException {
            send((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return expect(expected, line);
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Reads one reply (every line of it); fails unless it starts with {@code expected}. */
        String expect(String expected, String after) throws IOException {
            timeout();
            StringBuilder reply = new StringBuilder();
            while (true) {
                String line = readLine();
                if (line == null) throw new IOException("connection closed waiting for the reply to " + after + "; so far: " + reply);
                reply.append(line).append('\n');
                if (line.length() < 4 || line.charAt(3) != '-') break;
            }
            if (!reply.toString().startsWith(expected)) {
                throw new IOException("after " + after + " expected " + expected + ", got: " + reply.toString().strip());
            }
            return reply.toString();
        }

        private String readLine() throws IOException {
            StringBuilder b = new StringBuilder(80);
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int n = b.length();
                    if (n > 0 && b.charAt(n - 1) == '\r') b.setLength(n - 1);
                    return b.toString();
                }
                b.append((char) c);
            }
            return b.isEmpty() ? null : b.toString();
        }

        void closeQuietly() {
            try {
                close();
            } catch (IOException ignored) {
                // closing a session the run is done with
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Accepts any server certificate: this client measures the server, not certificate checking. */
    private static final class TrustAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    // ---- options

    private record Options(InetSocketAddress address, String mode, int sessions, int count, int perConn, int size,
                           String from, String to, String helo, String sni, boolean resume, boolean implicit,
                           int holdTimeout, int holdMax, Path release, int warmup, String warmupTo, Path go) {

        static Options parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            a.put("connect", null);
            a.put("mode", "handshakes");
            a.put("sessions", "20");
            a.put("count", "1000");
            a.put("per-conn", "10");
            a.put("size", "5120");
            a.put("from", "sender@bench.test");
            a.put("to", "user@bench.test");
            a.put("helo", "client.bench.test");
            a.put("sni", "mx.bench.test");
            a.put("hold-timeout", "60");
            a.put("hold-max", "600");
            a.put("release", null);
            a.put("warmup", "0");
            a.put("warmup-to", null);
            a.put("go", null);
            boolean resume = false;
            boolean implicit = false;
            for (int i = 0; i < args.length; i++) {
                String k = args[i];
                if (k.equals("--resume")) {
                    resume = true;
                } else if (k.equals("--implicit")) {
                    implicit = true;
                } else if (k.startsWith("--") && a.containsKey(k.substring(2)) && i + 1 < args.length) {
                    a.put(k.substring(2), args[++i]);
                } else {
                    throw new IllegalArgumentException("unknown option " + k + "; options: --" + String.join(" --", a.keySet())
                            + " --resume --implicit");
                }
            }
            String connect = a.get("connect");
            if (connect == null) throw new IllegalArgumentException("--connect HOST:PORT is required");
            int colon = connect.lastIndexOf(':');
            return new Options(new InetSocketAddress(connect.substring(0, colon), Integer.parseInt(connect.substring(colon + 1))),
                    a.get("mode"), Integer.parseInt(a.get("sessions")), Integer.parseInt(a.get("count")),
                    Integer.parseInt(a.get("per-conn")), Integer.parseInt(a.get("size")), a.get("from"), a.get("to"),
                    a.get("helo"), a.get("sni"), resume, implicit, Integer.parseInt(a.get("hold-timeout")),
                    Integer.parseInt(a.get("hold-max")), a.get("release") == null ? null : Path.of(a.get("release")),
                    Integer.parseInt(a.get("warmup")), a.get("warmup-to") == null ? a.get("to") : a.get("warmup-to"),
                    a.get("go") == null ? null : Path.of(a.get("go")));
        }
    }
}
