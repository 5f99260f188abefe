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
 * {@code LOCAL} (v2) mean the proxy does not say who the client is.
 *
 * <p>Version 1 is parsed as strictly as section 2.1 of the spec asks: {@code PROXY}, the protocol
 * and the four fields each after exactly one space, the line ended by CRLF and nothing else
 * (a bare LF or CR is malformed), at most 107 octets; addresses in canonical form (IPv4 as four
 * decimal numbers 0..255 without leading zeros, IPv6 as colon-separated groups of one to four
 * hex digits with at most one {@code ::}, the family matching {@code TCP4}/{@code TCP6});
 * ports decimal 0..65535 without leading zeros. After {@code UNKNOWN} anything up to the CRLF
 * is ignored, as the spec says.
 *
 * <p>Whether to believe the header (the peer is a trusted proxy) and what to do when it names no
 * client is the caller's decision; this class only parses. A malformed header is an
 * {@link IOException}: the connection is closed without a word, as HAProxy's spec requires.
 */
public final class ProxyHeader {

    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeader() {}

    /** The addresses the proxy reports: the original client and the address it connected to. */
    public record Addresses(InetSocketAddress client, InetSocketAddress server) {}

    /**
     * Reads the header. Empty means the proxy reported no client address (v1 {@code UNKNOWN}, v2
     * {@code LOCAL} or an unsupported family): the caller must not take the proxy's own address
     * for the client's.
     */
    public static Optional<Addresses> read(SmtpInput in) throws IOException {
        byte[] head = in.peek(12);
        if (Arrays.equals(head, V2_SIGNATURE)) return readV2(in);
        if (head.length >= 6 && new String(head, 0, 6, StandardCharsets.US_ASCII).equals("PROXY ")) return readV1(in);
        throw new IOException("no PROXY protocol header");
    }

    /** The longest v1 line, CRLF included (spec section 2.1). */
    private static final int V1_MAX = 107;

    private static Optional<Addresses> readV1(SmtpInput in) throws IOException {
        String line = v1Line(in);
        if (line.equals("PROXY UNKNOWN") || line.startsWith("PROXY UNKNOWN ")) return Optional.empty();
        String[] f = line.split(" ", -1);
        if (f.length != 6) throw new IOException("bad PROXY v1 line: not six fields separated by single spaces");
        boolean v4 = f[1].equals("TCP4");
        if (!v4 && !f[1].equals("TCP6")) throw new IOException("bad PROXY v1 protocol");
        InetAddress src = address(f[2], v4);
        InetAddress dst = address(f[3], v4);
        return Optional.of(new Addresses(new InetSocketAddress(src, port(f[4])), new InetSocketAddress(dst, port(f[5]))));
    }

    /** The v1 line without its CRLF; only printable ASCII, ended by CRLF within {@value #V1_MAX} octets. */
    private static String v1Line(SmtpInput in) throws IOException {
        StringBuilder b = new StringBuilder(V1_MAX);
        while (b.length() < V1_MAX - 1) {
            int c = in.read();
            if (c < 0) throw new IOException("PROXY v1 line ended early");
            if (c == '\r') {
                if (in.read() != '\n') throw new IOException("PROXY v1 line: CR without LF");
                return b.toString();
            }
            if (c < 0x20 || c > 0x7e) throw new IOException("PROXY v1 line: byte " + c + " (only CRLF ends it)");
            b.append((char) c);
        }
        throw new IOException("PROXY v1 line longer than " + V1_MAX + " octets");
    }

    /** An address in the canonical form the spec requires, of the family {@code TCP4}/{@code TCP6} says. */
    static InetAddress address(String text, boolean v4) throws IOException {
        if (!(v4 ? canonicalIpv4(text) : canonicalIpv6(text))) {
            throw new IOException("bad PROXY v1 address: " + text);
        }
        InetAddress a = Cidr.literal(text);
        // (an IPv4-mapped TCP6 address comes back as an Inet4Address; its syntax was IPv6, as TCP6 says)
        if (a == null || (v4 && a.getAddress().length != 4)) throw new IOException("bad PROXY v1 address: " + text);
        return a;
    }

    /** Four decimal numbers 0..255 separated by single dots, no leading zeros. */
    static boolean canonicalIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) return false;
        for (String p : parts) {
            if (!decimal(p, 3) || Integer.parseInt(p) > 255) return false;
        }
        return true;
    }

    /**
     * Groups of one to four hex digits separated by single colons, at most one {@code ::}, eight
     * groups in all (fewer with {@code ::}); the last two may be a dotted IPv4 address, as
     * {@code inet_ntop} writes an IPv4-mapped address.
     */
    static boolean canonicalIpv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) return false;
        if (text.contains(":::")) return false;
        String head = gap < 0 ? text : text.substring(0, gap);
        String tail = gap < 0 ? "" : text.substring(gap + 2);
        int groups = 0;
        String[] parts = {head, tail};
        int lastPart = tail.isEmpty() ? 0 : 1;
        for (int k = 0; k < parts.length; k++) {
            if (parts[k].isEmpty()) continue;
            String[] g = parts[k].split(":", -1);
            for (int i = 0; i < g.length; i++) {
                boolean last = k == lastPart && i == g.length - 1;
                if (last && g[i].contains(".")) {
                    if (!canonicalIpv4(g[i])) return false;
                    groups += 2;
                } else if (g[i].isEmpty() || g[i].length() > 4 || !g[i].chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                    return false;
                } else {
                    groups++;
                }
            }
        }
        return gap < 0 ? groups == 8 : groups <= 7;
    }

    /** A port: decimal 0..65535, no leading zeros. */
    static int port(String s) throws IOException {
        if (!decimal(s, 5) || Integer.parseInt(s) > 65535) throw new IOException("bad PROXY v1 port: " + s);
        return Integer.parseInt(s);
    }

    /** One to {@code max} ASCII digits, without a leading zero unless it is the only digit. */
    private static boolean decimal(String s, int max) {
        if (s.isEmpty() || s.length() > max) return false;
        if (s.length() > 1 && s.charAt(0) == '0') return false;
        return s.chars().allMatch(c -> c >= '0' && c <= '9');
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
                return Optional.empty(); // UNSPEC, UDP or UNIX: no client address we can use
            }
        }
    }
}
