package warden.bench;

import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * A load generator for policy servers, for {@code bench/policy.sh}: the same stream of greylisting
 * requests, each for a triplet never seen before, against postgrey and greylistd (the anchors) and
 * against Warden's Postfix and greylistd doors. Not a test: it checks that every answer is well
 * formed (a malformed one or a closed connection ends the run with status 1), counts the answers
 * by kind, and prints a rate and latency percentiles, then one {@code result key=value ...} line
 * for the script.
 *
 * <p>Modes:
 * <ul>
 * <li>{@code postfix}: the Postfix SMTPD access policy protocol (Postfix's
 *     {@code SMTPD_POLICY_README}): {@code --connections} persistent connections, opened once, as
 *     Postfix's {@code smtpd} keeps them; on each, one request at a time (attributes, a blank line),
 *     waiting for the reply ({@code action=...}, a blank line) before the next. A request is what
 *     Postfix 3.7 sends at RCPT: {@code request}, {@code protocol_state=RCPT}, {@code protocol_name},
 *     {@code client_address}, {@code client_name}, {@code client_port}, {@code reverse_client_name},
 *     {@code server_address}, {@code server_port}, {@code helo_name}, {@code sender},
 *     {@code recipient}, {@code recipient_count=0}, {@code queue_id} (empty at the first RCPT),
 *     {@code instance}, {@code size}, {@code etrn_domain}, {@code stress}, the empty SASL and
 *     client-certificate attributes and the TLS ones, in Postfix's order.</li>
 * <li>{@code greylistd}: greylistd's protocol as Exim's {@code ${readsocket}} uses it (the seed's
 *     ACL): one request per connection, {@code --grey IP SENDER RECIPIENT}, the write side shut,
 *     the answer read to the end; {@code --connections} clients at once. {@code --connect} is a
 *     UNIX socket path ({@code unix:PATH}) or {@code HOST:PORT}.</li>
 * <li>{@code dns}: a DNS responder on 127.0.0.1 (UDP) that answers the stream's names
 *     ({@link StreamDns}), for a server under test whose {@code dns.servers} points at it; it writes
 *     its port to {@code --port-file} and the number of questions it answered to
 *     {@code --stats-file} (every 200 ms), and runs until killed.</li>
 * </ul>
 *
 * <p>The stream ({@link Stream}): request {@code i} comes from client {@code 10.0.0.0 + 1 + i}
 * (distinct addresses; Postfix's {@code client_name}, {@code reverse_client_name} and the HELO
 * name are {@code mx.c<i>.senders.bench.test}, whose A record {@link StreamDns} answers with that
 * address: forward-confirmed, as a well-run sending host), sender {@code s<i>@c<i>.senders.bench.test},
 * recipient {@code u<i>@d<i mod 997>.rcpt.bench.test}: every triplet is new, also after postgrey's
 * sender normalisation (no all-digit word, no {@code +}) and keyed by /24. The warm-up
 * ({@code --warmup}) uses indices from {@value #WARMUP_BASE} up, so the measured requests are still
 * first sights; {@code --go FILE} makes the run wait after the warm-up until that file exists (the
 * script reads the server's CPU time in between). Every row of a run sends the same stream.
 *
 * <p>Latency is per request, client side: from the first byte of the request written to the last
 * byte of the answer read (greylistd: from connect to the end of the answer).
 *
 * <p>Standards: Postfix SMTPD_POLICY_README (the policy delegation protocol); greylistd(8) and
 * Exim's {@code ${readsocket}} (the greylistd protocol); RFC 1035 (DNS wire format), RFC 2308
 * (negative answers carry the SOA).
 */
public final class PolicyLoad {

    /** Where the warm-up's indices start: far above any measured count. */
    static final int WARMUP_BASE = 8_000_000;
    /** The largest measured count: the stream's addresses stay inside 10.0.0.0/8. */
    static final int MAX_COUNT = WARMUP_BASE;

    private final Options o;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final Map<String, LongAdder> answers = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();

    private PolicyLoad(Options o) {
        this.o = o;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        if (o.mode.equals("dns")) {
            StreamDns.serve(o.portFile, o.statsFile);
            return;
        }
        System.exit(new PolicyLoad(o).run());
    }

    private int run() throws Exception {
        if (!o.mode.equals("postfix") && !o.mode.equals("greylistd")) {
            throw new IllegalArgumentException("--mode postfix|greylistd|dns, not " + o.mode);
        }
        if (o.count > MAX_COUNT) throw new IllegalArgumentException("--count is at most " + MAX_COUNT);
        Client[] clients = new Client[o.connections];
        try {
            for (int c = 0; c < clients.length; c++) {
                clients[c] = o.mode.equals("postfix") ? new PostfixClient(o.address()) : new GreylistdClient(o);
            }
            if (o.warmup > 0) {
                Phase warm = phase(clients, WARMUP_BASE, o.warmup);
                if (failure.get() != null) {
                    System.out.printf("FAILED in the warm-up after %d requests: %s%n", warm.done, failure.get());
                    return 1;
                }
                System.out.printf(Locale.ROOT, "warm: %d requests (not counted) in %.2f s: %.0f/s; answers %s%n",
                        warm.done, warm.seconds, warm.done / warm.seconds, answerText());
                System.out.flush();
                awaitGo();
                samples.clear();
                answers.clear();
            }
            long cpu0 = processCpuNanos();
            Phase run = phase(clients, 0, o.count);
            clientCpuNanos = processCpuNanos() - cpu0;
            return report(run);
        } finally {
            for (Client c : clients) {
                if (c != null) c.closeQuietly();
            }
        }
    }

    private long clientCpuNanos = -1;

    /** This JVM's CPU time so far (all threads, JIT and GC included), or -1 if the platform does not tell. */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private void awaitGo() throws IOException, InterruptedException {
        if (o.go == null) return;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        while (!Files.exists(o.go)) {
            if (System.nanoTime() > until) throw new IOException(o.go + " did not appear within 600 s");
            Thread.sleep(20);
        }
    }

    private record Phase(int done, double seconds) {}

    /** Requests {@code first} to {@code first + count - 1} of the stream, spread over the clients. */
    private Phase phase(Client[] clients, int first, int count) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Thread[] workers = new Thread[clients.length];
        long t0 = System.nanoTime();
        for (int w = 0; w < clients.length; w++) {
            Client client = clients[w];
            workers[w] = Thread.ofPlatform().name("policy-load-" + w).start(() -> {
                long[] ns = new long[Math.max(16, count / clients.length + 16)];
                int n = 0;
                int i;
                while (failure.get() == null && (i = next.getAndIncrement()) < count) {
                    try {
                        long s0 = System.nanoTime();
                        String answer = client.ask(first + i);
                        long took = System.nanoTime() - s0;
                        if (n == ns.length) ns = Arrays.copyOf(ns, n * 2);
                        ns[n++] = took;
                        answers.computeIfAbsent(answer, k -> new LongAdder()).increment();
                        done.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        failure.compareAndSet(null, "request " + (first + i) + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
                samples.add(Arrays.copyOf(ns, n));
            });
        }
        for (Thread t : workers) t.join();
        return new Phase(done.get(), (System.nanoTime() - t0) / 1e9);
    }

    private int report(Phase run) {
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        Map<String, String> result = new LinkedHashMap<>();
        result.put("mode", o.mode);
        result.put("ok", String.valueOf(run.done));
        result.put("connections", String.valueOf(o.connections));
        result.put("seconds", String.format(Locale.ROOT, "%.3f", run.seconds));
        result.put("rate", String.format(Locale.ROOT, "%.1f", run.done / run.seconds));
        for (int p : new int[] {50, 90, 99}) {
            result.put("p" + p + "_ms", all.length == 0 ? "-" : ms(all[Math.min(all.length - 1, (int) ((long) all.length * p / 100))]));
        }
        result.put("max_ms", all.length == 0 ? "-" : ms(all[all.length - 1]));
        result.put("answers", answerText());
        result.put("client_cpu_us", clientCpuNanos < 0 || run.done == 0 ? "-"
                : String.format(Locale.ROOT, "%.0f", clientCpuNanos / 1e3 / run.done));
        if (failure.get() != null) {
            System.out.printf("FAILED after %d requests: %s%n", run.done, failure.get());
            result.put("failed", "1");
            printResult(result);
            return 1;
        }
        System.out.printf(Locale.ROOT, "%d %s requests over %d connections in %.2f s: %.1f/s; p50 %s ms, p99 %s ms; answers %s%n",
                run.done, o.mode, o.connections, run.seconds, run.done / run.seconds, result.get("p50_ms"),
                result.get("p99_ms"), result.get("answers"));
        printResult(result);
        return 0;
    }

    /** The answers by kind, e.g. {@code DEFER_IF_PERMIT:20000}, most frequent first. */
    private String answerText() {
        Map<String, Long> sorted = new TreeMap<>();
        answers.forEach((k, v) -> sorted.put(k, v.sum()));
        StringBuilder b = new StringBuilder();
        sorted.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> b.append(b.isEmpty() ? "" : ",").append(e.getKey()).append(':').append(e.getValue()));
        return b.isEmpty() ? "-" : b.toString();
    }

    private static String ms(long ns) {
        return String.format(Locale.ROOT, "%.3f", ns / 1e6);
    }

    private static void printResult(Map<String, String> result) {
        StringBuilder b = new StringBuilder("result");
        result.forEach((k, v) -> b.append(' ').append(k).append('=').append(v.replace(' ', '_')));
        System.out.println(b);
    }

    // ---- the stream

    /** Request {@code i} of the stream: its client, names and addresses (see the class comment). */
    static final class Stream {
        private Stream() {}

        /** The client address of request {@code i} as an int: 10.0.0.1 for i = 0, distinct up to 2^24 - 2. */
        static int address(int i) {
            return (10 << 24) + 1 + i;
        }

        static String dotted(int a) {
            return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
        }

        /** The client's host name (PTR, client_name, HELO): {@code mx.c<i>.senders.bench.test}. */
        static String host(int i) {
            return "mx.c" + i + ".senders.bench.test";
        }

        static String sender(int i) {
            return "s" + i + "@c" + i + ".senders.bench.test";
        }

        static String recipient(int i) {
            return "u" + i + "@d" + (i % 997) + ".rcpt.bench.test";
        }

        /** The index in a host name made by {@link #host}, or -1. */
        static int indexOfHost(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
            if (!n.startsWith("mx.c") || !n.endsWith(".senders.bench.test")) return -1;
            String digits = n.substring(4, n.length() - ".senders.bench.test".length());
            if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) return -1;
            return Integer.parseInt(digits);
        }

        /** The Postfix policy request for index {@code i}, as Postfix 3.7's smtpd writes it at RCPT. */
        static byte[] postfixRequest(int i) {
            String host = host(i);
            StringBuilder b = new StringBuilder(900);
            b.append("request=smtpd_access_policy\n")
                    .append("protocol_state=RCPT\n")
                    .append("protocol_name=ESMTP\n")
                    .append("client_address=").append(dotted(address(i))).append('\n')
                    .append("client_name=").append(host).append('\n')
                    .append("client_port=").append(32768 + i % 28000).append('\n')
                    .append("reverse_client_name=").append(host).append('\n')
                    .append("server_address=127.0.0.1\n")
                    .append("server_port=25\n")
                    .append("helo_name=").append(host).append('\n')
                    .append("sender=").append(sender(i)).append('\n')
                    .append("recipient=").append(recipient(i)).append('\n')
                    .append("recipient_count=0\n")
                    .append("queue_id=\n")
                    .append("instance=").append(Integer.toHexString(0x4000 + i % 0x1000)).append('.')
                    .append(Integer.toHexString(0x6564a5f0 + i)).append('.').append(Integer.toHexString(0x1000 + i % 0xfffff))
                    .append(".0\n")
                    .append("size=").append(2048 + i % 60000).append('\n')
                    .append("etrn_domain=\n")
                    .append("stress=\n")
                    .append("sasl_method=\n")
                    .append("sasl_username=\n")
                    .append("sasl_sender=\n")
                    .append("ccert_subject=\n")
                    .append("ccert_issuer=\n")
                    .append("ccert_fingerprint=\n")
                    .append("ccert_pubkey_fingerprint=\n")
                    .append("encryption_protocol=TLSv1.3\n")
                    .append("encryption_cipher=TLS_AES_256_GCM_SHA384\n")
                    .append("encryption_keysize=256\n")
                    .append("policy_context=\n")
                    .append('\n');
            return b.toString().getBytes(StandardCharsets.US_ASCII);
        }

        /** The greylistd request for index {@code i}, as the seed's Exim ACL writes it. */
        static byte[] greylistdRequest(int i) {
            return ("--grey " + dotted(address(i)) + " " + sender(i) + " " + recipient(i)).getBytes(StandardCharsets.US_ASCII);
        }
    }

    // ---- clients

    /** One client of the server: asks about request {@code i} and returns the kind of answer. */
    private interface Client {
        String ask(int i) throws IOException;

        void closeQuietly();
    }

    /** A persistent connection to a Postfix policy server, one request at a time. */
    private static final class PostfixClient implements Client {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        /** The answer being read: one request is outstanding, so an answer is all the server sends. */
        private final byte[] answer = new byte[4096];

        PostfixClient(InetSocketAddress address) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(address, 10_000);
            socket.setSoTimeout(120_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /**
         * Sends the request in one write and reads the answer up to its blank line: exactly one
         * {@code action=...} line, nothing after the blank line. Returns the action's first word.
         */
        @Override
        public String ask(int i) throws IOException {
            out.write(Stream.postfixRequest(i));
            int n = 0;
            while (end(n) < 0) {
                if (n == answer.length) throw new IOException("an answer longer than " + answer.length + " bytes");
                int got = in.read(answer, n, answer.length - n);
                if (got < 0) throw new IOException("the server closed the connection" + (n == 0 ? "" : " after " + text(n)));
                n += got;
            }
            String text = text(end(n));
            if (!text.startsWith("action=") || text.indexOf('\n') >= 0) {
                throw new IOException("not one action= line and a blank line: " + text);
            }
            int space = text.indexOf(' ');
            return space < 0 ? text.substring(7) : text.substring(7, space);
        }

        /** Where the answer's text ends if the first {@code n} bytes end with a blank line (LF or CRLF), else -1. */
        private int end(int n) {
            if (n >= 2 && answer[n - 1] == '\n' && answer[n - 2] == '\n') return n - 2;
            if (n >= 3 && answer[n - 1] == '\n' && answer[n - 2] == '\r' && answer[n - 3] == '\n') return n - 3;
            return -1;
        }

        private String text(int n) {
            return new String(answer, 0, n, StandardCharsets.US_ASCII).replace("\r", "");
        }

        @Override
        public void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the run is over
            }
        }
    }

    /** greylistd's protocol: a new connection per request, the write side shut, the answer read to EOF. */
    private static final class GreylistdClient implements Client {
        private final SocketAddress address;
        private final boolean unix;
        private final ByteBuffer answer = ByteBuffer.allocate(4096);

        GreylistdClient(Options o) {
            this.unix = o.connect.startsWith("unix:");
            this.address = unix ? UnixDomainSocketAddress.of(o.connect.substring(5)) : o.address();
        }

        @Override
        public String ask(int i) throws IOException {
            try (SocketChannel ch = SocketChannel.open(unix ? StandardProtocolFamily.UNIX : StandardProtocolFamily.INET)) {
                if (!unix) ch.socket().setTcpNoDelay(true);
                ch.connect(address);
                ByteBuffer request = ByteBuffer.wrap(Stream.greylistdRequest(i));
                while (request.hasRemaining()) ch.write(request);
                ch.shutdownOutput();
                answer.clear();
                // A blocking channel has no read timeout: a server that never answers is ended by the script's timeout.
                while (ch.read(answer) >= 0) {
                    if (!answer.hasRemaining()) throw new IOException("an answer longer than " + answer.capacity() + " bytes");
                }
                answer.flip();
                String text = StandardCharsets.US_ASCII.decode(answer).toString().strip();
                if (text.isEmpty()) throw new IOException("no answer (the connection closed without one)");
                if (!text.equals("true") && !text.equals("false")) throw new IOException("not true or false: " + text);
                return text;
            }
        }

        @Override
        public void closeQuietly() {
            // no connection is kept
        }
    }

    // ---- DNS

    /**
     * A DNS responder for the stream: it plays the recursive resolver the server under test asks
     * ({@code dns.servers}), and answers from the stream's names instead of zone data, so a run of
     * any length needs no records in memory:
     * <ul>
     *   <li>PTR {@code d.c.b.a.in-addr.arpa} for a stream address: {@code mx.c<i>.senders.bench.test};</li>
     *   <li>A {@code mx.c<i>.senders.bench.test}: the address of request {@code i} (so the PTR name is
     *       forward-confirmed and the HELO name resolves to the client);</li>
     *   <li>any other question about a name under {@code bench.test} or {@code 10.in-addr.arpa}
     *       (AAAA, MX, TXT...): NOERROR and no answer (NODATA), with the SOA;</li>
     *   <li>anything else: NXDOMAIN with the SOA (RFC 2308), e.g. a DNSBL query.</li>
     * </ul>
     * TTL 3600 s. Two threads serve one UDP socket on 127.0.0.1 (answers are far below 512 octets,
     * so no TCP). It counts the questions, so the script can say how many the server asked per request.
     */
    static final class StreamDns {
        private static final Name SOA_OWNER = Name.fromConstantString("bench.test.");
        private static final Name REVERSE_10 = Name.fromConstantString("10.in-addr.arpa.");
        private static final long TTL = 3600;

        private final DatagramSocket socket;
        private final AtomicLong questions = new AtomicLong();
        private final SOARecord soa;

        private StreamDns(DatagramSocket socket) {
            this.socket = socket;
            this.soa = new SOARecord(SOA_OWNER, DClass.IN, TTL, Name.fromConstantString("ns.bench.test."),
                    Name.fromConstantString("hostmaster.bench.test."), 1, 3600, 600, 86400, TTL);
        }

        static void serve(Path portFile, Path statsFile) throws Exception {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket.setReceiveBufferSize(1 << 20);
            StreamDns dns = new StreamDns(socket);
            for (int t = 0; t < 2; t++) Thread.ofPlatform().name("stream-dns-" + t).start(dns::loop);
            writeAtomically(portFile, String.valueOf(socket.getLocalPort()));
            System.out.println("stream dns on 127.0.0.1:" + socket.getLocalPort());
            System.out.flush();
            long last = -1;
            while (true) {
                long q = dns.questions.get();
                if (statsFile != null && q != last) {
                    writeAtomically(statsFile, String.valueOf(q));
                    last = q;
                }
                Thread.sleep(200);
            }
        }

        private static void writeAtomically(Path file, String text) throws IOException {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, text + "\n");
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }

        private void loop() {
            byte[] buffer = new byte[1500];
            while (true) {
                try {
                    DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                    socket.receive(packet);
                    byte[] reply = respond(Arrays.copyOf(packet.getData(), packet.getLength()));
                    if (reply != null) socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
                } catch (IOException e) {
                    System.out.println("stream dns: " + e);
                }
            }
        }

        private byte[] respond(byte[] wire) {
            Message query;
            try {
                query = new Message(wire);
            } catch (IOException e) {
                return null; // not DNS: no answer, as a resolver drops garbage
            }
            Message response = new Message(query.getHeader().getID());
            response.getHeader().setFlag(Flags.QR);
            response.getHeader().setFlag(Flags.RA);
            if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
            Record question = query.getQuestion();
            if (question == null || query.getHeader().getOpcode() != Opcode.QUERY || question.getDClass() != DClass.IN) {
                response.getHeader().setRcode(Rcode.FORMERR);
                return response.toWire();
            }
            questions.incrementAndGet();
            response.addRecord(question, Section.QUESTION);
            Name name = question.getName();
            int type = question.getType();
            Record answer = null;
            boolean ours = name.subdomain(SOA_OWNER) || name.subdomain(REVERSE_10);
            if (type == Type.PTR && name.subdomain(REVERSE_10)) {
                int i = indexOfReverse(name);
                if (i >= 0) answer = new PTRRecord(name, DClass.IN, TTL, Name.fromConstantString(Stream.host(i) + "."));
            } else if (type == Type.A) {
                int i = Stream.indexOfHost(name.toString());
                if (i >= 0) answer = new ARecord(name, DClass.IN, TTL, toAddress(Stream.address(i)));
            }
            if (answer != null) {
                response.addRecord(answer, Section.ANSWER);
            } else {
                response.getHeader().setRcode(ours ? Rcode.NOERROR : Rcode.NXDOMAIN);
                response.addRecord(soa, Section.AUTHORITY);
            }
            return response.toWire(512);
        }

        /** The stream index of {@code d.c.b.a.in-addr.arpa.}, or -1. */
        private static int indexOfReverse(Name name) {
            if (name.labels() != 7) return -1; // d c b 10 in-addr arpa and the root
            int a = 0;
            for (int l = 3; l >= 0; l--) {
                String label = name.getLabelString(l);
                if (label.isEmpty() || label.length() > 3 || !label.chars().allMatch(Character::isDigit)) return -1;
                int v = Integer.parseInt(label);
                if (v > 255) return -1;
                a = (a << 8) | v;
            }
            int i = a - Stream.address(0);
            return i >= 0 ? i : -1;
        }

        private static InetAddress toAddress(int a) {
            try {
                return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ---- options

    private record Options(String mode, String connect, int connections, int count, int warmup, Path go,
                           Path portFile, Path statsFile) {

        InetSocketAddress address() {
            int colon = connect.lastIndexOf(':');
            if (colon < 0) throw new IllegalArgumentException("--connect HOST:PORT or unix:PATH, not " + connect);
            return new InetSocketAddress(connect.substring(0, colon), Integer.parseInt(connect.substring(colon + 1)));
        }

        static Options parse(String[] args) {
            Map<String, String> a = new LinkedHashMap<>();
            a.put("mode", "postfix");
            a.put("connect", null);
            a.put("connections", "16");
            a.put("count", "20000");
            a.put("warmup", "0");
            a.put("go", null);
            a.put("port-file", null);
            a.put("stats-file", null);
            for (int i = 0; i < args.length; i++) {
                String k = args[i];
                if (k.startsWith("--") && a.containsKey(k.substring(2)) && i + 1 < args.length) {
                    a.put(k.substring(2), args[++i]);
                } else {
                    throw new IllegalArgumentException("unknown option " + k + "; options: --" + String.join(" --", a.keySet()));
                }
            }
            String mode = a.get("mode");
            if (mode.equals("dns") && a.get("port-file") == null) throw new IllegalArgumentException("--mode dns needs --port-file");
            if (!mode.equals("dns") && a.get("connect") == null) throw new IllegalArgumentException("--connect is required");
            return new Options(mode, a.get("connect"), Integer.parseInt(a.get("connections")), Integer.parseInt(a.get("count")),
                    Integer.parseInt(a.get("warmup")), path(a.get("go")), path(a.get("port-file")), path(a.get("stats-file")));
        }

        private static Path path(String p) {
            return p == null ? null : Path.of(p);
        }
    }
}
