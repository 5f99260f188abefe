package warden.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real DNS server on 127.0.0.1 that answers from zone data a test gives it.
 *
 * <p>It listens on one ephemeral port for both UDP and TCP and speaks the DNS wire format through
 * dnsjava's {@code Message} codec, so a resolver under test goes through its real network path:
 * sockets, message IDs, truncation and TCP retry. It plays the part of a recursive resolver: it sets
 * RA, follows CNAMEs inside its own data and puts an SOA in the authority section of negative answers
 * so negative caching can be tested.
 *
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start()) {
 *     dns.a("mail.example.test", "127.0.0.5")
 *        .ptr(InetAddress.getByName("127.0.0.5"), "mail.example.test")
 *        .mx("example.test", 10, "mail.example.test")
 *        .servfail("broken.test");
 *     Resolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(500), 1, 1000, clock);
 *     ...
 *     assertThat(dns.queries("mail.example.test")).isEqualTo(1);
 * }
 * }</pre>
 *
 * <p>Zone data: every record method <em>adds</em> to the name's data (an identical record is kept
 * once, as an RRset is a set); {@link #remove(String)} and {@link #remove(String, int)} take data
 * away, so a test flips an answer with {@code remove(name).a(name, newIp)}. All methods may be
 * called while the server runs, from any thread. A name that is present (has any record, was given
 * to {@link #exists(String)}, or has a name below it) but has no record of the asked type gets
 * NOERROR with an empty answer (NODATA); any other name gets NXDOMAIN. {@link #servfail},
 * {@link #refuse} and {@link #timeout} override the data of a name until {@link #answer(String)}.
 * Record TTLs are taken from {@link #ttl(long)} when the record is added.
 *
 * <h2>Standards</h2>
 * RFC 1035 (wire format; 4.2.1: UDP messages are limited to 512 octets, 4.2.2: TCP messages carry a
 * two-octet length), RFC 2181 section 10.1 (CNAME), RFC 2308 (negative answers carry the zone SOA),
 * RFC 3596 (AAAA, ip6.arpa), RFC 7766 (TCP transport, several queries per connection).
 *
 * <p>It does not speak EDNS (RFC 6891): an OPT record in a query is ignored, so every UDP answer
 * over 512 octets is truncated (TC set) and the client must retry over TCP, which is exactly what the
 * truncation tests need. It serves class IN only, does no DNSSEC, no DNAME, no wildcards, no zone
 * transfers and no NOTIFY. It never listens on anything but loopback.
 */
public final class TestDnsServer implements AutoCloseable {

    /** What the server does with a query for a name. */
    private enum Mode { ANSWER, SERVFAIL, REFUSED, TIMEOUT }

    /** The immutable data of one owner name; replaced as a whole on every change. */
    private record Node(List<Record> records, Mode mode, Duration delay) {
        static final Node EMPTY = new Node(List.of(), Mode.ANSWER, Duration.ZERO);

        Node with(Record record) {
            if (records.contains(record)) return this;
            List<Record> more = new ArrayList<>(records);
            more.add(record);
            return new Node(List.copyOf(more), mode, delay);
        }

        Node without(int type) {
            return new Node(records.stream().filter(r -> r.getType() != type).toList(), mode, delay);
        }

        Node mode(Mode newMode) {
            return new Node(records, newMode, delay);
        }

        Node delay(Duration newDelay) {
            return new Node(records, mode, newDelay);
        }
    }

    /** RFC 1035 section 4.2.1. */
    private static final int UDP_LIMIT = 512;
    /** Longest chain of CNAMEs followed inside the zone data, to stop loops. */
    private static final int MAX_CNAME_HOPS = 8;
    /** One character-string holds at most 255 octets (RFC 1035 section 3.3). */
    private static final int MAX_CHARACTER_STRING = 255;

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final Map<Name, Node> zone = new ConcurrentHashMap<>();
    /** Questions (owner name and type) that go unanswered, whatever the name's mode. */
    private final Set<String> silentQuestions = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tcpQueries = new ConcurrentHashMap<>();
    private final AtomicInteger totalQueries = new AtomicInteger();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread udpLoop;
    private final Thread tcpLoop;
    private volatile long ttl = 300;
    private volatile long negativeTtl = 60;
    private volatile boolean soaInNegativeAnswers = true;
    private volatile boolean closed;

    private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
        this.udpLoop = Thread.ofPlatform().daemon().name("test-dns-udp-" + udp.getLocalPort())
                .start(this::serveUdp);
        this.tcpLoop = Thread.ofPlatform().daemon().name("test-dns-tcp-" + udp.getLocalPort())
                .start(this::serveTcp);
    }

    /** Starts a server on 127.0.0.1 with an ephemeral port shared by UDP and TCP. */
    public static TestDnsServer start() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        IOException last = null;
        // The UDP port the kernel picks may be taken for TCP; try a few times.
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = null;
            try {
                udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
                ServerSocket tcp = new ServerSocket();
                try {
                    tcp.setReuseAddress(true);
                    tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()), 50);
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
                return new TestDnsServer(udp, tcp);
            } catch (IOException e) {
                last = e;
                if (udp != null) udp.close();
            }
        }
        throw new UncheckedIOException("cannot bind a UDP and TCP port on loopback", last);
    }

    /** The address to send queries to (UDP and TCP). */
    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    // ----- zone data -----

    /** The TTL, in seconds, of records added from now on (default 300). */
    public TestDnsServer ttl(long seconds) {
        this.ttl = seconds;
        return this;
    }

    /** The SOA TTL and minimum, in seconds, of negative answers from now on (default 60). */
    public TestDnsServer negativeTtl(long seconds) {
        this.negativeTtl = seconds;
        this.soaInNegativeAnswers = true;
        return this;
    }

    /** Negative answers carry no SOA from now on (as from a broken server); undone by {@link #negativeTtl}. */
    public TestDnsServer withoutSoa() {
        this.soaInNegativeAnswers = false;
        return this;
    }

    /** Adds A records. */
    public TestDnsServer a(String name, String... addresses) {
        for (String address : addresses) {
            add(new ARecord(name(name), DClass.IN, ttl, literal(address, Address.IPv4)));
        }
        return this;
    }

    /** Adds AAAA records. */
    public TestDnsServer aaaa(String name, String... addresses) {
        for (String address : addresses) {
            add(new AAAARecord(name(name), DClass.IN, ttl, literal(address, Address.IPv6)));
        }
        return this;
    }

    /** Adds PTR records under in-addr.arpa or ip6.arpa for {@code address}. */
    public TestDnsServer ptr(InetAddress address, String... names) {
        Name owner = ReverseMap.fromAddress(address);
        for (String target : names) {
            add(new PTRRecord(owner, DClass.IN, ttl, name(target)));
        }
        return this;
    }

    /** Adds one TXT record per text; a text over 255 octets is split into several character-strings. */
    public TestDnsServer txt(String name, String... texts) {
        for (String text : texts) {
            add(new TXTRecord(name(name), DClass.IN, ttl, characterStrings(text)));
        }
        return this;
    }

    /** Adds an MX record. */
    public TestDnsServer mx(String name, int preference, String exchange) {
        add(new MXRecord(name(name), DClass.IN, ttl, preference, name(exchange)));
        return this;
    }

    /** Makes {@code alias} a CNAME for {@code target} (replacing an earlier CNAME of {@code alias}). */
    public TestDnsServer cname(String alias, String target) {
        Name owner = name(alias);
        zone.compute(owner, (n, node) -> (node == null ? Node.EMPTY : node).without(Type.CNAME)
                .with(new CNAMERecord(owner, DClass.IN, ttl, name(target))));
        return this;
    }

    /** Adds any dnsjava record, for types without a helper. */
    public TestDnsServer record(Record record) {
        add(record);
        return this;
    }

    /** Makes {@code name} exist without records, so every question about it gets NODATA. */
    public TestDnsServer exists(String name) {
        zone.putIfAbsent(name(name), Node.EMPTY);
        return this;
    }

    /** Answers SERVFAIL for {@code name} until {@link #answer(String)}. */
    public TestDnsServer servfail(String name) {
        return mode(name, Mode.SERVFAIL);
    }

    /** Answers REFUSED for {@code name} until {@link #answer(String)}. */
    public TestDnsServer refuse(String name) {
        return mode(name, Mode.REFUSED);
    }

    /** Never answers questions about {@code name} (over UDP or TCP) until {@link #answer(String)}. */
    public TestDnsServer timeout(String name) {
        return mode(name, Mode.TIMEOUT);
    }

    /**
     * Never answers questions of one {@code type} (a dnsjava {@code Type} constant) about
     * {@code name}, while the others are answered from its data: an A query that times out while
     * AAAA answers. Until {@link #answer(String)}.
     */
    public TestDnsServer timeout(String name, int type) {
        silentQuestions.add(question(name(name), type));
        return this;
    }

    /** Answers {@code name} from its data again after {@link #servfail}, {@link #refuse} or {@link #timeout}. */
    public TestDnsServer answer(String name) {
        zone.computeIfPresent(name(name), (n, node) -> node.mode(Mode.ANSWER));
        silentQuestions.removeIf(q -> q.startsWith(name(name) + " "));
        return this;
    }

    private static String question(Name name, int type) {
        return name + " " + type;
    }

    /** Waits {@code delay} before answering each question about {@code name} (to make queries overlap). */
    public TestDnsServer delay(String name, Duration delay) {
        zone.compute(name(name), (n, node) -> (node == null ? Node.EMPTY : node).delay(delay));
        return this;
    }

    /** Removes {@code name} and all its data, so it gets NXDOMAIN. */
    public TestDnsServer remove(String name) {
        zone.remove(name(name));
        return this;
    }

    /** Removes the records of one type (a dnsjava {@code Type} constant) of {@code name}. */
    public TestDnsServer remove(String name, int type) {
        zone.computeIfPresent(name(name), (n, node) -> node.without(type));
        return this;
    }

    /** Removes the PTR records of {@code address}. */
    public TestDnsServer removePtr(InetAddress address) {
        zone.remove(ReverseMap.fromAddress(address));
        return this;
    }

    /** Removes all zone data (counters are kept). */
    public TestDnsServer clear() {
        zone.clear();
        return this;
    }

    // ----- counters -----

    /** Questions received about {@code name} (any type, UDP and TCP). */
    public int queries(String name) {
        AtomicInteger count = queries.get(key(name));
        return count == null ? 0 : count.get();
    }

    /** Questions received about the reverse name of {@code address}. */
    public int ptrQueries(InetAddress address) {
        return queries(ReverseMap.fromAddress(address).toString(true));
    }

    /** Questions received over TCP about {@code name}. */
    public int tcpQueries(String name) {
        AtomicInteger count = tcpQueries.get(key(name));
        return count == null ? 0 : count.get();
    }

    /** All questions received. */
    public int totalQueries() {
        return totalQueries.get();
    }

    /** Sets every counter back to zero. */
    public TestDnsServer resetCounters() {
        queries.clear();
        tcpQueries.clear();
        totalQueries.set(0);
        return this;
    }

    // ----- serving -----

    private void serveUdp() {
        byte[] buffer = new byte[65_535];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            byte[] query = Arrays.copyOfRange(packet.getData(), packet.getOffset(),
                    packet.getOffset() + packet.getLength());
            var client = packet.getSocketAddress();
            // One virtual thread per datagram, so a delayed or dropped name does not stall others.
            Thread.ofVirtual().start(() -> {
                byte[] reply = respond(query, false);
                if (reply == null) return;
                try {
                    udp.send(new DatagramPacket(reply, reply.length, client));
                } catch (IOException e) {
                    // The client went away, or the server is closing: nothing to tell.
                }
            });
        }
    }

    private void serveTcp() {
        while (!closed) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                if (closed) return;
                continue;
            }
            connections.add(socket);
            Thread.ofVirtual().start(() -> serveConnection(socket));
        }
    }

    /** RFC 7766: a connection may carry several queries, each with a two-octet length prefix. */
    private void serveConnection(Socket socket) {
        try (socket) {
            var in = new DataInputStream(socket.getInputStream());
            var out = new DataOutputStream(socket.getOutputStream());
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException e) {
                    return;
                }
                byte[] query = in.readNBytes(length);
                if (query.length < length) return;
                byte[] reply = respond(query, true);
                if (reply == null) continue;
                // Only this thread writes to the connection, so no lock is needed.
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (SocketException e) {
            // Closed by the client or by close().
        } catch (IOException e) {
            // A broken client connection ends only that connection.
        } finally {
            connections.remove(socket);
        }
    }

    /** The wire reply to a wire query, or null to stay silent. */
    private byte[] respond(byte[] wire, boolean overTcp) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException e) {
            return formErr(wire);
        }
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
        response.getHeader().setOpcode(query.getHeader().getOpcode());
        Record question = query.getQuestion();
        if (question != null) response.addRecord(question, Section.QUESTION);
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            response.getHeader().setRcode(Rcode.NOTIMP);
            return response.toWire();
        }
        if (question == null || question.getDClass() != DClass.IN) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return response.toWire();
        }
        count(question.getName(), overTcp);
        Node node = zone.getOrDefault(question.getName(), Node.EMPTY);
        if (!node.delay().isZero()) {
            try {
                Thread.sleep(node.delay());
            } catch (InterruptedException e) {
                return null;
            }
        }
        if (silentQuestions.contains(question(question.getName(), question.getType()))) return null;
        if (!answer(question.getName(), question.getType(), response)) return null;
        return overTcp ? response.toWire() : response.toWire(UDP_LIMIT);
    }

    /**
     * Fills {@code response} for the question; false when the server must stay silent. CNAMEs are
     * followed inside the zone data, and the rcode describes the last name of the chain (RFC 6604).
     */
    private boolean answer(Name qname, int qtype, Message response) {
        Name name = qname;
        for (int hops = 0; ; hops++) {
            Node node = zone.get(name);
            Mode mode = node == null ? Mode.ANSWER : node.mode();
            switch (mode) {
                case TIMEOUT -> {
                    return false;
                }
                case SERVFAIL -> {
                    response.getHeader().setRcode(Rcode.SERVFAIL);
                    return true;
                }
                case REFUSED -> {
                    response.getHeader().setRcode(Rcode.REFUSED);
                    return true;
                }
                case ANSWER -> { }
            }
            if (node == null && !hasNamesBelow(name)) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
                addSoa(response);
                return true;
            }
            List<Record> records = node == null ? List.of() : node.records();
            List<Record> matching = records.stream()
                    .filter(r -> r.getType() == qtype || qtype == Type.ANY).toList();
            if (!matching.isEmpty()) {
                matching.forEach(r -> response.addRecord(r, Section.ANSWER));
                return true;
            }
            Record cname = records.stream().filter(r -> r.getType() == Type.CNAME).findFirst().orElse(null);
            if (cname == null || hops >= MAX_CNAME_HOPS) {
                addSoa(response);
                return true;
            }
            response.addRecord(cname, Section.ANSWER);
            name = ((CNAMERecord) cname).getTarget();
        }
    }

    private boolean hasNamesBelow(Name name) {
        return zone.keySet().stream().anyMatch(n -> !n.equals(name) && n.subdomain(name));
    }

    private void addSoa(Message response) {
        if (!soaInNegativeAnswers) return;
        long seconds = negativeTtl;
        response.addRecord(new SOARecord(Name.root, DClass.IN, seconds, name("ns.test"),
                name("hostmaster.test"), 1, 3600, 600, 86400, seconds), Section.AUTHORITY);
    }

    private static byte[] formErr(byte[] wire) {
        if (wire.length < 2) return null;
        Message response = new Message(((wire[0] & 0xff) << 8) | (wire[1] & 0xff));
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(Rcode.FORMERR);
        return response.toWire();
    }

    private void count(Name name, boolean overTcp) {
        String key = name.toString(true).toLowerCase(Locale.ROOT);
        queries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        if (overTcp) tcpQueries.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        totalQueries.incrementAndGet();
    }

    // ----- helpers -----

    private TestDnsServer mode(String name, Mode mode) {
        zone.compute(name(name), (n, node) -> (node == null ? Node.EMPTY : node).mode(mode));
        return this;
    }

    private void add(Record record) {
        zone.compute(record.getName(), (n, node) -> (node == null ? Node.EMPTY : node).with(record));
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name, Name.root);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("not a DNS name: " + name, e);
        }
    }

    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Parses an address literal without ever asking DNS (unlike {@code InetAddress.getByName}). */
    private static InetAddress literal(String address, int family) {
        byte[] bytes = Address.toByteArray(address, family);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IPv" + (family == Address.IPv4 ? "4" : "6")
                    + " address: " + address);
        }
        try {
            return InetAddress.getByAddress(address, bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an IP address: " + address, e);
        }
    }

    private static List<String> characterStrings(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < bytes.length || strings.isEmpty(); i += MAX_CHARACTER_STRING) {
            int end = Math.min(bytes.length, i + MAX_CHARACTER_STRING);
            // dnsjava parses each string as master-file text: quote what it would interpret.
            strings.add(escape(new String(bytes, i, end - i, StandardCharsets.ISO_8859_1)));
        }
        return strings;
    }

    private static String escape(String latin1) {
        StringBuilder out = new StringBuilder();
        for (char c : latin1.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append('\\').append(String.format("%03d", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Stops both listeners and closes open TCP connections. */
    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException e) {
            // Closing is best effort.
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing is best effort.
            }
        }
        try {
            udpLoop.join(Duration.ofSeconds(5));
            tcpLoop.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
