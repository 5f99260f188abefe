package warden.outbound;

import warden.outbound.HopResolver.Candidate;

import javax.net.ssl.SSLSocket;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * One SMTP connection to one server, from our side: the greeting, EHLO (or HELO), STARTTLS,
 * AUTH, commands and their replies, message content, RSET and QUIT. It knows nothing of queues or
 * recipients' fates ({@link MessageSender} and {@link SmtpTransport} do); every read and write has
 * a time limit, and every reply is bounded ({@link ReplyReader}).
 *
 * <p>Used by one thread at a time. Nothing it sends is logged, so a password in AUTH goes nowhere
 * but the wire.
 *
 * <h2>Standards</h2>
 * RFC 5321 (3.2 greeting and EHLO with HELO as fallback, 4.1 commands, 4.5.3.2 timeouts),
 * RFC 3207 (STARTTLS: no data may be buffered from before the handshake; EHLO again after it),
 * RFC 4954 (AUTH, initial response) with SASL PLAIN (RFC 4616) and LOGIN
 * (draft-murchison-sasl-login).
 */
final class SmtpClient implements AutoCloseable {

    /** The TLS handshake failed: the connection is gone, and the host may be tried again in clear. */
    static final class TlsHandshakeFailed extends IOException {
        TlsHandshakeFailed(IOException cause) {
            super("TLS handshake failed: " + cause.getMessage(), cause);
        }
    }

    private final Candidate candidate;
    private final SmtpTimeouts timeouts;
    private final Socket tcp;
    private final long opened = System.nanoTime();
    private Socket socket; // tcp, or the TLS socket over it
    private ReplyReader reader;
    private WriteDeadline deadline;
    private OutputStream out;
    private EhloExtensions extensions = EhloExtensions.NONE;
    private String tls; // null in clear
    private boolean broken;

    private SmtpClient(Candidate candidate, SmtpTimeouts timeouts, Socket tcp) throws IOException {
        this.candidate = candidate;
        this.timeouts = timeouts;
        this.tcp = tcp;
        attach(tcp);
    }

    /** Opens the TCP connection (no greeting read yet). */
    static SmtpClient connect(Candidate candidate, SmtpTimeouts timeouts) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(candidate.address(), candidate.port()),
                    (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis())));
            s.setTcpNoDelay(true); // one flush per command group: no Nagle wait behind it
            return new SmtpClient(candidate, timeouts, s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        reader = new ReplyReader(s);
        deadline = new WriteDeadline(s.getOutputStream(), tcp, timeouts.command());
        out = new BufferedOutputStream(deadline, 64 * 1024);
    }

    Candidate candidate() { return candidate; }

    SmtpTimeouts timeouts() { return timeouts; }

    EhloExtensions extensions() { return extensions; }

    /** {@code TLS1.3:TLS_AES_256_GCM_SHA384:256} once STARTTLS succeeded. */
    Optional<String> tls() { return Optional.ofNullable(tls); }

    /** How long this connection has been open. */
    Duration age() { return Duration.ofNanos(System.nanoTime() - opened); }

    /** Whether a read or write failed or timed out: the connection is not to be used again. */
    boolean broken() { return broken || socket.isClosed(); }

    /** The server's greeting. */
    PeerReply greeting() throws IOException {
        return read(timeouts.greeting());
    }

    /** EHLO; on success remembers the extensions offered. */
    PeerReply ehlo(String name) throws IOException {
        PeerReply r = command("EHLO " + name, timeouts.command());
        extensions = r.positive() ? EhloExtensions.parse(r) : EhloExtensions.NONE;
        return r;
    }

    /** HELO, for a server that refuses EHLO: no extensions. */
    PeerReply helo(String name) throws IOException {
        extensions = EhloExtensions.NONE;
        return command("HELO " + name, timeouts.command());
    }

    /**
     * STARTTLS, and on a 220 the handshake (any certificate taken). Afterwards the caller must
     * EHLO again: what was offered in clear no longer holds.
     *
     * @return the reply to STARTTLS (on a 220 the handshake has succeeded)
     * @throws TlsHandshakeFailed if the handshake failed; the connection is then closed
     */
    PeerReply startTls() throws IOException {
        PeerReply r = command("STARTTLS", timeouts.command());
        if (r.code() != 220) return r;
        if (reader.buffered()) {
            // Taken as a reply after the handshake, it would be an injection (CVE-2011-0411); no
            // handshake can follow it anyway.
            close();
            throw new TlsHandshakeFailed(new IOException("the server sent more after its 220 to STARTTLS"));
        }
        try {
            String sni = candidate.host().contains(":") || candidate.host().matches("[0-9.]+") ? null : candidate.host();
            SSLSocket ssl = (SSLSocket) OpportunisticTls.context().getSocketFactory()
                    .createSocket(tcp, sni, candidate.port(), true);
            ssl.setUseClientMode(true);
            tcp.setSoTimeout(millis(timeouts.command()));
            ssl.startHandshake();
            attach(ssl);
            tls = OpportunisticTls.describe(ssl.getSession());
            extensions = EhloExtensions.NONE;
            return r;
        } catch (IOException e) {
            broken = true;
            close();
            throw new TlsHandshakeFailed(e);
        }
    }

    /**
     * AUTH with PLAIN (initial response) if offered, else LOGIN.
     *
     * @return the server's last reply: 235 when authenticated
     */
    PeerReply authenticate(Credentials credentials) throws IOException {
        if (extensions.authMechanisms().contains("PLAIN")) {
            String response = b64("\0" + credentials.login() + "\0" + credentials.password());
            PeerReply r = command("AUTH PLAIN " + response, timeouts.command());
            if (r.code() == 334) r = command(response, timeouts.command()); // a server that ignored the initial response
            return r;
        }
        PeerReply r = command("AUTH LOGIN", timeouts.command());
        if (r.code() == 334) r = command(b64(credentials.login()), timeouts.command());
        if (r.code() == 334) r = command(b64(credentials.password()), timeouts.command());
        return r;
    }

    /** Sends one command line and reads its reply. */
    PeerReply command(String line, Duration timeout) throws IOException {
        write(line);
        flush();
        return read(timeout);
    }

    /** Queues one command line (PIPELINING); {@link #flush()} sends what is queued. */
    void write(String line) throws IOException {
        if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a command line with CR or LF would be two commands");
        }
        try {
            deadline.limit(timeouts.command());
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    void flush() throws IOException {
        try {
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /** Reads one reply. */
    PeerReply read(Duration timeout) throws IOException {
        try {
            return reader.read(timeout);
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /** Writes the message content dot-stuffed and the final dot, each block within the data block timeout. */
    void content(InputStream content) throws IOException {
        try {
            deadline.limit(timeouts.dataBlock());
            DotStuffing.copy(content, out);
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw e;
        } finally {
            deadline.limit(timeouts.command());
        }
    }

    /** RSET before the next transaction on a reused connection: true if the server is still there and agrees. */
    boolean reset() {
        try {
            return command("RSET", timeouts.command()).code() == 250;
        } catch (IOException e) {
            return false;
        }
    }

    /** QUIT, waiting at most {@code patience} for the 221, then closes. Never throws. */
    void quit(Duration patience) {
        try {
            if (!broken()) {
                write("QUIT");
                flush();
                read(patience.compareTo(timeouts.command()) < 0 ? patience : timeouts.command());
            }
        } catch (IOException e) {
            // closing anyway
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        broken = true;
        try {
            tcp.close(); // under TLS too: closing the TLS layer could wait for a stuck write
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "SmtpClient[" + candidate.host() + " " + candidate.address().getHostAddress() + ":" + candidate.port() + "]";
    }
}
