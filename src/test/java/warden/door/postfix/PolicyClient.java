package warden.door.postfix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Postfix policy client for tests, over loopback TCP or a UNIX socket: sends requests as
 * Postfix's smtpd writes them and reads the {@code action=...} answers. Public for the tests of
 * other packages (the same-decision table, the policy benchmark).
 */
public final class PolicyClient implements AutoCloseable {

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    private PolicyClient(SocketChannel channel) {
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
        this.out = Channels.newOutputStream(channel);
    }

    /** Connects to where the door listens: an {@link InetSocketAddress} or a {@link Path}. */
    public static PolicyClient connect(Object address) throws IOException {
        if (address instanceof Path p) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(p));
            return new PolicyClient(ch);
        }
        return new PolicyClient(SocketChannel.open((InetSocketAddress) address));
    }

    /**
     * A request as Postfix 3.x sends it at RCPT from a clean client, to change with {@code put}.
     * Client 192.0.2.10 (mail.sender.example), port 40000, instance {@code instance}.
     */
    public static Map<String, String> rcpt(String instance) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("request", "smtpd_access_policy");
        m.put("protocol_state", "RCPT");
        m.put("protocol_name", "ESMTP");
        m.put("client_address", "192.0.2.10");
        m.put("client_name", "mail.sender.example");
        m.put("client_port", "40000");
        m.put("reverse_client_name", "mail.sender.example");
        m.put("server_address", "127.0.0.1");
        m.put("server_port", "25");
        m.put("helo_name", "mail.sender.example");
        m.put("sender", "alice@sender.example");
        m.put("recipient", "bob@example.test");
        m.put("recipient_count", "0");
        m.put("queue_id", "");
        m.put("instance", instance);
        m.put("size", "0");
        m.put("etrn_domain", "");
        m.put("stress", "");
        m.put("sasl_method", "");
        m.put("sasl_username", "");
        m.put("sasl_sender", "");
        m.put("ccert_subject", "");
        m.put("ccert_issuer", "");
        m.put("ccert_fingerprint", "");
        m.put("ccert_pubkey_fingerprint", "");
        m.put("encryption_protocol", "");
        m.put("encryption_cipher", "");
        m.put("encryption_keysize", "0");
        m.put("policy_context", "");
        m.put("compatibility_level", "3.6");
        m.put("mail_version", "3.7.11");
        return m;
    }

    /** The same request at another stage (DATA, END-OF-MESSAGE...). */
    public static Map<String, String> at(String state, Map<String, String> request) {
        Map<String, String> m = new LinkedHashMap<>(request);
        m.put("protocol_state", state);
        return m;
    }

    /** Sends the request and returns the answer's action (the text after {@code action=}). */
    public String ask(Map<String, String> request) throws IOException {
        StringBuilder b = new StringBuilder();
        request.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        b.append('\n');
        send(b.toString().getBytes(StandardCharsets.UTF_8));
        return answer();
    }

    /** Sends raw bytes. */
    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Half-closes: the door reads end of input. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    /** Reads one answer: the action after {@code action=}; fails on anything else. */
    public String answer() throws IOException {
        String first = line();
        if (first == null) throw new IOException("the door closed the connection without an answer");
        String blank = line();
        if (!first.startsWith("action=") || !"".equals(blank)) throw new IOException("not an answer: " + first + " / " + blank);
        return first.substring("action=".length());
    }

    /** Whether the door closed its side: the next read gives end of input. */
    public boolean closedByDoor() throws IOException {
        try {
            return in.read() < 0;
        } catch (IOException reset) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') b.write(c);
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
