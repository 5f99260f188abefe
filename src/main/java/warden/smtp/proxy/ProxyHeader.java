package warden.smtp.proxy;

import warden.mail.Cidr;
import warden.smtp.SmtpInput;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The HAProxy PROXY protocol header, versions 1 (text) and 2 (binary), read before the SMTP
 * greeting on listeners that enable it.
 *
 * <h2>Standards</h2>
 * HAProxy's "The PROXY protocol" versions 1 and 2 (proxy-protocol.txt): the v1 line is at most
 * 107 octets; the v2 header starts with a 12-octet signature; {@code UNKNOWN} (v1) and
 * {@code LOCAL} (v2) mean "use the real connection's addresses".
 *
 * <p>Whether to believe the header (the peer is a trusted proxy) is the caller's decision; this
 * class only parses. A malformed header is an {@link IOException}: the connection is closed
 * without a word, as HAProxy's spec requires.
 */
public final class ProxyHeader {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeader() {}

    /** The addresses the proxy reports: the original client and the address it connected to. */
    public record Addresses(InetSocketAddress client, InetSocketAddress server) {}

    /**
     * Reads the header. Empty means the proxy reported no addresses (v1 UNKNOWN, v2 LOCAL or an
     * unsupported family): keep the connection's own.
     */
    public static Optional<Addresses> read(SmtpInput in) throws IOException {
        byte[] head = in.peek(12);
        if (Arrays.equals(head, V2_SIGNATURE)) return readV2(in);
        if (head.length >= 6 && new String(head, 0, 6, StandardCharsets.US_ASCII).equals("PROXY ")) return readV1(in);
        throw new IOException("no PROXY protocol header");
    }

    private static Optional<Addresses> readV1(SmtpInput in) throws IOException {
        String line = in.readLine(107);
        if (line == null || line == SmtpInput.TOO_LONG) throw new IOException("bad PROXY v1 line");
        String[] f = line.split(" ");
        if (f.length >= 2 && f[1].equals("UNKNOWN")) return Optional.empty();
        if (f.length != 6 || !(f[1].equals("TCP4") || f[1].equals("TCP6"))) throw new IOException("bad PROXY v1 line");
        InetAddress src = Cidr.literal(f[2]);
        InetAddress dst = Cidr.literal(f[3]);
        if (src == null || dst == null) throw new IOException("bad PROXY v1 address");
        if ((src.getAddress().length == 4) != f[1].equals("TCP4")) throw new IOException("PROXY v1 family mismatch");
        return Optional.of(new Addresses(new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5]))));
    }

    private static int port(String s) throws IOException {
        try {
            int p = Integer.parseInt(s);
            if (p < 0 || p > 65535) throw new IOException("bad PROXY port");
            return p;
        } catch (NumberFormatException e) {
            throw new IOException("bad PROXY port");
        }
    }

    private static Optional<Addresses> readV2(SmtpInput in) throws IOException {
        byte[] fixed = in.readExactly(16);
        int verCmd = fixed[12] & 0xff;
        int family = fixed[13] & 0xff;
        int len = ((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff);
        if ((verCmd >> 4) != 2) throw new IOException("bad PROXY v2 version");
        byte[] body = in.readExactly(len);
        int command = verCmd & 0x0f;
        if (command == 0) return Optional.empty(); // LOCAL: health check from the proxy itself
        if (command != 1) throw new IOException("bad PROXY v2 command");
        ByteBuffer b = ByteBuffer.wrap(body);
        switch (family) {
            case 0x11 -> { // TCP over IPv4
                if (len < 12) throw new IOException("short PROXY v2 IPv4 block");
                byte[] src = new byte[4], dst = new byte[4];
                b.get(src).get(dst);
                return Optional.of(new Addresses(
                        new InetSocketAddress(InetAddress.getByAddress(src), b.getShort() & 0xffff),
                        new InetSocketAddress(InetAddress.getByAddress(dst), b.getShort() & 0xffff)));
            }
            case 0x21 -> { // TCP over IPv6
                if (len < 36) throw new IOException("short PROXY v2 IPv6 block");
                byte[] src = new byte[16], dst = new byte[16];
                b.get(src).get(dst);
                return Optional.of(new Addresses(
                        new InetSocketAddress(InetAddress.getByAddress(src), b.getShort() & 0xffff),
                        new InetSocketAddress(InetAddress.getByAddress(dst), b.getShort() & 0xffff)));
            }
            default -> {
                return Optional.empty(); // UNSPEC, UDP or UNIX: keep the connection's addresses
            }
        }
    }
}
