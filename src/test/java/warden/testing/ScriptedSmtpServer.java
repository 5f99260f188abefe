package warden.testing;

import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback SMTP server for tests of Warden's SMTP client, scripted per test: what it offers at
 * EHLO, what it answers at each step (per recipient at RCPT), where it drops the connection or
 * stalls, whether STARTTLS works, which AUTH credentials it takes. It records what it saw: each
 * connection's greeting name, commands in order and TLS state, and each message's envelope and
 * content (dot-unstuffed).
 *
 * <pre>{@code
 * try (var peer = ScriptedSmtpServer.start()) {
 *     peer.extensions("PIPELINING", "SIZE 1000000").rcpt("bad@example.net", "550 5.1.1 no such user");
 *     ... deliver to peer.address() ...
 *     var msg = peer.awaitMessages(1, Duration.ofSeconds(5)).get(0);
 * }
 * }</pre>
 *
 * <p>A reply is written as {@code "250 2.0.0 Ok"}; a {@code \n} in it makes a multi-line reply
 * ({@code "250 first\nsecond"} is sent as {@code 250-first} and {@code 250 second}). A reply with
 * code 421 closes the connection after it is sent. {@link #raw} sends bytes exactly as given
 * instead (over-long or malformed replies). The script may be changed between connections; a
 * connection reads it at each step.
 *
 * <h2>Standards</h2>
 * RFC 5321 (4.1.1 commands, 4.2 replies, 4.5.2 transparency: dot-unstuffing), RFC 2920
 * (PIPELINING: {@link Command#moreWaiting()} tells what the client had sent before our reply),
 * RFC 3207 (STARTTLS: anything sent before the handshake is discarded), RFC 4954 and
 * draft-murchison-sasl-login (AUTH PLAIN and LOGIN).
 *
 * <p>Not done: BDAT/CHUNKING, AUTH mechanisms other than PLAIN and LOGIN, per-message replies at
 * MAIL.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

    /** A point in the dialogue where a reply is due. */
    public enum Step { BANNER, EHLO, HELO, STARTTLS, AUTH, MAIL, RCPT, DATA, END_OF_DATA, RSET, NOOP, QUIT }

    /** What the server does when a client says STARTTLS. */
    public enum Tls {
        /** Not offered. */
        NONE,
        /** Offered; 220 and a real handshake with {@link TestCertificate}. */
        OK,
        /** Offered; answered {@code 454 4.7.0 TLS not available due to temporary reason}. */
        REFUSED,
        /** Offered; 220, then bytes that are not TLS and a close: the handshake fails. */
        BROKEN_HANDSHAKE
    }

    /** One command line as received, and the TLS state it came in. */
    public record Command(String line, boolean tls, boolean moreWaiting) {}

    /**
     * One connection.
     *
     * @param index 0 for the first connection, then 1, 2, ...
     */
    public record Session(int index, List<String> greetings, List<Command> commands,
                          List<String> tlsProtocols, List<String> authenticated) {
        /** The name given at the last EHLO or HELO, or empty. */
        public Optional<String> greeting() {
            return greetings.isEmpty() ? Optional.empty() : Optional.of(greetings.get(greetings.size() - 1));
        }

        /** The command lines in order. */
        public List<String> lines() {
            return commands.stream().map(Command::line).toList();
        }

        /** The TLS protocol negotiated ({@code TLSv1.3}), empty if the session stayed in clear. */
        public Optional<String> tlsProtocol() {
            return tlsProtocols.isEmpty() ? Optional.empty() : Optional.of(tlsProtocols.get(0));
        }
    }

    /**
     * One message taken (end-of-data answered 2xx).
     *
     * @param session which connection ({@link Session#index})
     * @param mailFrom the MAIL FROM argument line, parameters included ({@code FROM:<a@b> SIZE=12})
     * @param rcptLines the RCPT TO argument lines that were accepted, parameters included
     * @param recipients the accepted addresses, without brackets
     * @param content the dot-unstuffed content, or null when larger than {@link #keepLimit}
     * @param size octets of content
     * @param sha256 hex SHA-256 of the content
     * @param tls whether the message came over TLS
     */
    public record Message(int session, String mailFrom, List<String> rcptLines, List<String> recipients,
                          byte[] content, long size, String sha256, boolean tls) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }

        /** The reverse path, without brackets. */
        public String sender() {
            return between(mailFrom);
        }
    }

    private static final int MAX_LINE = 64 * 1024;

    private final ServerSocket listener;
    private final Thread acceptor;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger ended = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;

    // The script. Volatile or concurrent: tests change it while connections run.
    private volatile String banner = "220 peer.warden.test ESMTP scripted";
    private volatile String hostname = "peer.warden.test";
    private volatile List<String> extensions = List.of("PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES");
    private volatile Tls tls = Tls.NONE;
    private volatile String authLogin;
    private volatile String authPassword;
    private volatile String authMechanisms = "PLAIN LOGIN";
    private final Map<Step, String> replies = new ConcurrentHashMap<>();
    private final Map<Step, String> raw = new ConcurrentHashMap<>();
    private final Map<String, String> rcptReplies = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<String> endOfDataQueue = new ConcurrentLinkedDeque<>();
    private final Set<Step> stalls = ConcurrentHashMap.newKeySet();
    private final Set<Step> dropsOnce = ConcurrentHashMap.newKeySet();
    private volatile long dropAfterDataOctets = -1;
    private volatile Duration replyDelay = Duration.ZERO;
    private volatile long keepLimit = 4 << 20;

    private ScriptedSmtpServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().daemon().name("scripted-smtp-accept-" + listener.getLocalPort())
                .start(this::acceptLoop);
    }

    /** A server on an ephemeral port of 127.0.0.1, answering 250 to everything by default. */
    public static ScriptedSmtpServer start() throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        return new ScriptedSmtpServer(s);
    }

    // ------------------------------------------------------------------ script

    /** The greeting reply ({@code "421 4.3.2 busy"}, {@code "554 no"}); default 220. */
    public ScriptedSmtpServer banner(String reply) {
        this.banner = reply;
        return this;
    }

    /**
     * The EHLO keywords after the greeting line, replacing the default
     * (PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES): {@code "SIZE 1000"}, {@code "SMTPUTF8"},
     * {@code "DSN"}. STARTTLS and AUTH are added by {@link #tls} and {@link #auth}.
     */
    public ScriptedSmtpServer extensions(String... keywords) {
        this.extensions = List.of(keywords);
        return this;
    }

    /** The reply at {@code step} (for RCPT: to every address without its own, see {@link #rcpt}). */
    public ScriptedSmtpServer reply(Step step, String reply) {
        replies.put(step, reply);
        return this;
    }

    /** Bytes sent exactly as given at {@code step}, instead of a reply (CRLFs included by the caller). */
    public ScriptedSmtpServer raw(Step step, String bytes) {
        raw.put(step, bytes);
        return this;
    }

    /** The RCPT reply for one address (compared without case): {@code "451 4.7.1 later"}. */
    public ScriptedSmtpServer rcpt(String address, String reply) {
        rcptReplies.put(address.toLowerCase(Locale.ROOT), reply);
        return this;
    }

    /**
     * The replies to the next end-of-data dots, in order; the last one given stays for every
     * message after (until changed again).
     */
    public ScriptedSmtpServer endOfData(String... replies) {
        endOfDataQueue.clear();
        endOfDataQueue.addAll(List.of(replies));
        return this;
    }

    /** Never answer at {@code step}: read (and ignore) whatever comes until the client closes. */
    public ScriptedSmtpServer stall(Step step) {
        stalls.add(step);
        return this;
    }

    /** The next time {@code step} comes (on any connection), close the connection instead of answering. */
    public ScriptedSmtpServer dropOnce(Step step) {
        dropsOnce.add(step);
        return this;
    }

    /** Close the connection, without a reply, once {@code octets} of message content have come in DATA. */
    public ScriptedSmtpServer dropInData(long octets) {
        this.dropAfterDataOctets = octets;
        return this;
    }

    /** STARTTLS behaviour; default {@link Tls#NONE}. */
    public ScriptedSmtpServer tls(Tls mode) {
        this.tls = mode;
        return this;
    }

    /** Offer {@code AUTH PLAIN LOGIN} (in clear too: the client must not use it there) and accept these. */
    public ScriptedSmtpServer auth(String login, String password) {
        this.authLogin = login;
        this.authPassword = password;
        return this;
    }

    /** The mechanisms offered with {@link #auth} (default {@code PLAIN LOGIN}); both are accepted whatever is offered. */
    public ScriptedSmtpServer authMechanisms(String mechanisms) {
        this.authMechanisms = mechanisms;
        return this;
    }

    /**
     * Wait this long before each reply, so that a pipelining client has sent its whole batch:
     * {@link Command#moreWaiting()} then tells it reliably.
     */
    public ScriptedSmtpServer replyDelay(Duration delay) {
        this.replyDelay = delay;
        return this;
    }

    /** Keep a message's content only up to this size (a 30 MB test keeps its digest only). */
    public ScriptedSmtpServer keepLimit(long octets) {
        this.keepLimit = octets;
        return this;
    }

    // ------------------------------------------------------------------ what was seen

    public int port() {
        return listener.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** The next hop text for routes and tests: {@code [127.0.0.1]:PORT}. */
    public String hop() {
        return "[" + address().getAddress().getHostAddress() + "]:" + port();
    }

    /** Connections so far, in order of arrival (each still filling while it runs). */
    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    public int connections() {
        return sessions.size();
    }

    /** Messages taken so far. */
    public List<Message> messages() {
        return List.copyOf(messages);
    }

    /** Waits until at least {@code n} messages were taken; fails after {@code timeout}. */
    public List<Message> awaitMessages(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (messages.size() < n) {
            if (System.nanoTime() > end) {
                throw new AssertionError("expected " + n + " messages within " + timeout + ", got " + messages.size()
                        + "; sessions: " + sessions);
            }
            Thread.sleep(10);
        }
        return messages();
    }

    /** Waits until {@code n} connections have ended (the client closed or we did). */
    public void awaitConnections(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (ended.get() < n) {
            if (System.nanoTime() > end) throw new AssertionError("expected " + n + " connections ended within " + timeout);
            Thread.sleep(10);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) closeQuietly(s);
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ the server

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return;
            }
            open.add(s);
            Session session = new Session(sessions.size(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(),
                    new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
            sessions.add(session);
            Thread.ofVirtual().name("scripted-smtp-" + port() + "-" + session.index()).start(() -> {
                Connection c = null;
                try {
                    c = new Connection(s, session);
                    c.run();
                } catch (IOException | RuntimeException e) {
                    // the client went away, or we dropped it: nothing to report
                } finally {
                    if (c != null) {
                        closeQuietly(c.socket);
                        open.remove(c.socket);
                    }
                    closeQuietly(s);
                    open.remove(s);
                    ended.incrementAndGet();
                }
            });
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private String scripted(Step step, String fallback) {
        return replies.getOrDefault(step, fallback);
    }

    /** Thrown to end a connection on purpose (drop, stall ended, 421). */
    private static final class Hangup extends IOException {}

    private final class Connection {
        private Socket socket;
        private InputStream in;
        private final byte[] buf = new byte[64 * 1024];
        private int pos;
        private int lim;
        private OutputStream out;
        private final Session session;
        private boolean onTls;
        private String mailFrom;
        private final List<String> rcptLines = new ArrayList<>();
        private final List<String> recipients = new ArrayList<>();

        Connection(Socket socket, Session session) throws IOException {
            this.session = session;
            attach(socket);
        }

        private void attach(Socket s) throws IOException {
            socket = s;
            in = s.getInputStream();
            pos = lim = 0;
            out = s.getOutputStream();
        }

        void run() throws IOException {
            answer(Step.BANNER, banner);
            while (true) {
                String line = readLine();
                if (line == null) return;
                session.commands().add(new Command(line, onTls, pending()));
                String verb = (line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line).toUpperCase(Locale.ROOT);
                String arg = line.contains(" ") ? line.substring(line.indexOf(' ') + 1) : "";
                switch (verb) {
                    case "EHLO" -> ehlo(arg);
                    case "HELO" -> {
                        session.greetings().add(arg);
                        answer(Step.HELO, scripted(Step.HELO, "250 " + hostname));
                    }
                    case "STARTTLS" -> starttls();
                    case "AUTH" -> auth(arg);
                    case "MAIL" -> {
                        mailFrom = arg;
                        rcptLines.clear();
                        recipients.clear();
                        answer(Step.MAIL, scripted(Step.MAIL, "250 2.1.0 Ok"));
                    }
                    case "RCPT" -> rcpt(arg);
                    case "DATA" -> data();
                    case "RSET" -> {
                        mailFrom = null;
                        rcptLines.clear();
                        recipients.clear();
                        answer(Step.RSET, scripted(Step.RSET, "250 2.0.0 Ok"));
                    }
                    case "NOOP" -> answer(Step.NOOP, scripted(Step.NOOP, "250 2.0.0 Ok"));
                    case "QUIT" -> {
                        answer(Step.QUIT, scripted(Step.QUIT, "221 2.0.0 Bye"));
                        return;
                    }
                    default -> send("500 5.5.2 unknown command");
                }
            }
        }

        private void ehlo(String name) throws IOException {
            session.greetings().add(name);
            List<String> lines = new ArrayList<>();
            lines.add(hostname + " greets " + name);
            lines.addAll(extensions);
            if (tls != Tls.NONE && !onTls) lines.add("STARTTLS");
            if (authLogin != null) lines.add("AUTH " + authMechanisms);
            answer(Step.EHLO, scripted(Step.EHLO, "250 " + String.join("\n", lines)));
        }

        private void starttls() throws IOException {
            switch (tls) {
                case NONE -> send("502 5.5.1 STARTTLS not offered");
                case REFUSED -> answer(Step.STARTTLS, "454 4.7.0 TLS not available due to temporary reason");
                case BROKEN_HANDSHAKE -> {
                    answer(Step.STARTTLS, "220 2.0.0 Ready to start TLS");
                    out.write("this is not a TLS server hello\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    throw new Hangup();
                }
                case OK -> {
                    String ready = scripted(Step.STARTTLS, "220 2.0.0 Ready to start TLS");
                    answer(Step.STARTTLS, ready);
                    if (!ready.startsWith("2")) return;
                    // RFC 3207 section 4.2: anything the client pipelined after STARTTLS is discarded.
                    SSLSocket ssl = (SSLSocket) TestCertificate.get().serverContext().getSocketFactory()
                            .createSocket(socket, null, socket.getPort(), true);
                    ssl.setUseClientMode(false);
                    ssl.startHandshake();
                    open.add(ssl);
                    attach(ssl);
                    onTls = true;
                    session.tlsProtocols().add(ssl.getSession().getProtocol());
                    mailFrom = null;
                }
            }
        }

        private void auth(String arg) throws IOException {
            String[] words = arg.split(" ");
            String mechanism = words[0].toUpperCase(Locale.ROOT);
            String login;
            String password;
            if (mechanism.equals("PLAIN")) {
                String initial = words.length > 1 ? words[1] : challenge("");
                if (initial == null) return;
                String[] parts = decode(initial).split("\0", -1);
                if (parts.length != 3) {
                    send("501 5.5.2 bad PLAIN response");
                    return;
                }
                login = parts[1];
                password = parts[2];
            } else if (mechanism.equals("LOGIN")) {
                String user = words.length > 1 ? words[1] : challenge(b64("Username:"));
                if (user == null) return;
                String pass = challenge(b64("Password:"));
                if (pass == null) return;
                login = decode(user);
                password = decode(pass);
            } else {
                send("504 5.5.4 mechanism not supported");
                return;
            }
            if (authLogin != null && authLogin.equals(login) && authPassword.equals(password)) {
                session.authenticated().add(login);
                answer(Step.AUTH, scripted(Step.AUTH, "235 2.7.0 Authentication successful"));
            } else {
                send("535 5.7.8 Authentication credentials invalid");
            }
        }

        private String challenge(String text) throws IOException {
            send("334 " + text);
            String line = readLine();
            if (line == null) throw new Hangup();
            session.commands().add(new Command(line, onTls, false));
            if (line.equals("*")) {
                send("501 5.0.0 AUTH aborted");
                return null;
            }
            return line;
        }

        private void rcpt(String arg) throws IOException {
            String address = between(arg);
            String reply = rcptReplies.getOrDefault(address.toLowerCase(Locale.ROOT),
                    replies.getOrDefault(Step.RCPT, "250 2.1.5 Ok"));
            if (reply.startsWith("2")) {
                rcptLines.add(arg);
                recipients.add(address);
            }
            answer(Step.RCPT, reply);
        }

        private void data() throws IOException {
            if (mailFrom == null || recipients.isEmpty()) {
                answer(Step.DATA, "554 5.5.1 no valid recipients");
                return;
            }
            String reply = scripted(Step.DATA, "354 End data with <CR><LF>.<CR><LF>");
            answer(Step.DATA, reply);
            if (!reply.startsWith("3")) return;
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            MessageDigest sha = sha256();
            long size = 0;
            long drop = dropAfterDataOctets;
            boolean keep = true;
            while (true) {
                byte[] line = readDataLine();
                if (line == null) throw new Hangup();
                if (line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n') break;
                int from = line.length > 0 && line[0] == '.' ? 1 : 0;
                int n = line.length - from;
                sha.update(line, from, n);
                size += n;
                if (keep && size <= keepLimit) {
                    kept.write(line, from, n);
                } else {
                    keep = false;
                    kept = null;
                }
                if (drop >= 0 && size >= drop) {
                    socket.setSoLinger(true, 0); // a reset, as a crashed peer
                    throw new Hangup();
                }
            }
            String end = endOfDataQueue.size() > 1 ? endOfDataQueue.poll() : endOfDataQueue.peek();
            if (end == null) end = "250 2.0.0 Ok: queued";
            if (end.startsWith("2")) {
                messages.add(new Message(session.index(), mailFrom, List.copyOf(rcptLines), List.copyOf(recipients),
                        keep ? kept.toByteArray() : null, size, HexFormat.of().formatHex(sha.digest()), onTls));
            }
            mailFrom = null;
            rcptLines.clear();
            recipients.clear();
            answer(Step.END_OF_DATA, end);
        }

        /** Sends {@code reply} for {@code step}, unless the script stalls there or has raw bytes for it. */
        private void answer(Step step, String reply) throws IOException {
            if (dropsOnce.remove(step)) throw new Hangup();
            if (stalls.contains(step)) {
                // Never answer; swallow input until the client gives up or the server closes.
                while (in.read(buf) >= 0) {
                    // discard
                }
                throw new Hangup();
            }
            String bytes = raw.get(step);
            if (bytes != null) {
                out.write(bytes.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (bytes.startsWith("421")) throw new Hangup();
                return;
            }
            send(reply);
        }

        private void send(String reply) throws IOException {
            String[] lines = reply.split("\n", -1);
            String code = lines[0].substring(0, 3);
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < lines.length; i++) {
                String text = i == 0 ? lines[0].substring(Math.min(4, lines[0].length())) : lines[i];
                b.append(code).append(i == lines.length - 1 ? ' ' : '-').append(text).append("\r\n");
            }
            out.write(b.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (code.equals("421")) throw new Hangup();
        }

        private void delay() {
            Duration d = replyDelay;
            if (d.isZero()) return;
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Whether more of what the client sent is waiting to be read (it pipelined). */
        private boolean pending() throws IOException {
            delay();
            return pos < lim || in.available() > 0;
        }

        /** One command line without its CRLF, UTF-8; null at the end of input. */
        private String readLine() throws IOException {
            byte[] line = readDataLine();
            if (line == null) return null;
            int n = line.length;
            if (n > 0 && line[n - 1] == '\n') n--;
            if (n > 0 && line[n - 1] == '\r') n--;
            return new String(line, 0, n, StandardCharsets.UTF_8);
        }

        /** One line with its line end (CRLF, or a lone LF), at most {@link #MAX_LINE} octets; null at the end. */
        private byte[] readDataLine() throws IOException {
            byte[] line = null;
            int n = 0;
            while (true) {
                if (pos == lim) {
                    int r = in.read(buf, 0, buf.length);
                    if (r < 0) return line; // what came before the end, or null
                    pos = 0;
                    lim = r;
                }
                int end = pos;
                while (end < lim && buf[end] != '\n' && n + end - pos < MAX_LINE) end++;
                boolean complete = end < lim;
                if (complete && buf[end] == '\n') end++;
                int add = end - pos;
                line = line == null ? java.util.Arrays.copyOfRange(buf, pos, end) : concat(line, n, add);
                n += add;
                pos = end;
                if (complete) return line;
            }
        }

        private byte[] concat(byte[] line, int n, int add) {
            byte[] longer = java.util.Arrays.copyOf(line, n + add);
            System.arraycopy(buf, pos, longer, n, add);
            return longer;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String s) {
        try {
            return new String(Base64.getDecoder().decode(s.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /** The text between the first {@code <} and the following {@code >}, or the argument after {@code :}. */
    static String between(String arg) {
        int lt = arg.indexOf('<');
        int gt = lt < 0 ? -1 : arg.indexOf('>', lt);
        if (lt >= 0 && gt > lt) return arg.substring(lt + 1, gt);
        int colon = arg.indexOf(':');
        String rest = colon < 0 ? arg : arg.substring(colon + 1);
        return rest.trim().split(" ")[0];
    }

}
