package warden.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An SMTP client for tests that reads like the protocol:
 * {@code dialogue.expect(220).send("EHLO x").expect(250)}. Real socket on loopback; every read
 * has a timeout so a wedged server fails the test instead of hanging it.
 */
public final class Dialogue implements AutoCloseable {

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private List<String> lastReply = List.of();

    public Dialogue(InetSocketAddress server) throws IOException {
        socket = new Socket();
        socket.connect(server, 5000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** A dialogue over {@code connected}, a socket the test made (and connected) itself. */
    public Dialogue(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public static Dialogue connect(InetSocketAddress server) throws IOException {
        return new Dialogue(server);
    }

    /**
     * Connects to an implicit-TLS port (465) and completes the handshake, asking for {@code sni}
     * (null: no server name), before anything else is read.
     */
    public static Dialogue connectTls(InetSocketAddress server, String sni) throws IOException {
        return new Dialogue(server).startTls(sni);
    }

    /**
     * The client side of a TLS handshake on this connection (after {@code 220 Ready to start
     * TLS}, or at once on port 465), asking for {@code sni} (null: none). Any certificate is
     * accepted: these tests are about the server's dialogue, not certificate checks. Every read
     * and write from now on goes through TLS.
     */
    public Dialogue startTls(String sni) throws IOException {
        javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) trustingEveryone().getSocketFactory()
                .createSocket(socket, null, socket.getPort(), true);
        tls.setUseClientMode(true);
        javax.net.ssl.SSLParameters p = tls.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new javax.net.ssl.SNIHostName(sni)));
        tls.setSSLParameters(p);
        tls.startHandshake();
        socket = tls;
        in = tls.getInputStream();
        out = tls.getOutputStream();
        return this;
    }

    /** The TLS session, once {@link #startTls} completed. */
    public javax.net.ssl.SSLSession tlsSession() {
        return ((javax.net.ssl.SSLSocket) socket).getSession();
    }

    private static javax.net.ssl.SSLContext trustingEveryone() {
        javax.net.ssl.X509TrustManager anyone = new javax.net.ssl.X509TrustManager() {
            @Override public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) { }
            @Override public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) { }
            @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() { return new java.security.cert.X509Certificate[0]; }
        };
        try {
            javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLS");
            c.init(null, new javax.net.ssl.TrustManager[] {anyone}, null);
            return c;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends one line; CRLF is appended. */
    public Dialogue send(String line) throws IOException {
        return raw(line + "\r\n");
    }

    /** Sends bytes exactly as given. */
    public Dialogue raw(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        return this;
    }

    public Dialogue raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one (possibly multi-line) reply and asserts its code. */
    public Dialogue expect(int code) throws IOException {
        List<String> reply = readReply();
        assertThat(reply).as("reply lines").isNotEmpty();
        assertThat(reply.get(0).substring(0, 3)).as("reply " + reply).isEqualTo(String.valueOf(code));
        return this;
    }

    /** Reads one reply, asserts its code and that its last line contains {@code text}. */
    public Dialogue expect(int code, String text) throws IOException {
        expect(code);
        assertThat(String.join("\n", lastReply)).contains(text);
        return this;
    }

    /** The lines of the reply last read. */
    public List<String> lastReply() {
        return lastReply;
    }

    /** Reads one reply: lines until one with a space after the code. Null-safe: empty at EOF. */
    public List<String> readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) break;
            lines.add(line);
            if (line.length() < 4 || line.charAt(3) != '-') break;
        }
        lastReply = lines;
        return lines;
    }

    /** True when the server closed the connection (EOF within the timeout). */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Greets with EHLO and opens a transaction to {@code rcpt}. */
    public Dialogue inTransaction(String from, String rcpt) throws IOException {
        return expect(220).send("EHLO client.example.org").expect(250)
                .send("MAIL FROM:<" + from + ">").expect(250)
                .send("RCPT TO:<" + rcpt + ">").expect(250);
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
