package warden.mail;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP network in CIDR notation ({@code 192.0.2.0/24}, {@code 2001:db8::/32}); a bare address is
 * a single-host network. IPv4-mapped IPv6 client addresses ({@code ::ffff:192.0.2.1}) match IPv4
 * networks.
 */
public record Cidr(InetAddress network, int prefix) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("prefix /" + prefix + " out of range");
        network = mask(network, prefix);
    }

    /**
     * Parses {@code addr} or {@code addr/prefix}; only literal addresses are accepted (no DNS).
     *
     * @throws IllegalArgumentException with a message that says what is wrong
     */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        InetAddress ip = literal(addr);
        if (ip == null) throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR network");
        int bits = ip.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': the prefix length after '/' must be a number");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': the prefix length must be 0.." + bits);
            }
        }
        return new Cidr(ip, prefix);
    }

    /** Parses a literal IPv4 or IPv6 address without ever consulting DNS; null if it is not one. */
    public static InetAddress literal(String text) {
        String s = text.strip();
        if (s.startsWith("[") && s.endsWith("]")) s = s.substring(1, s.length() - 1);
        if (s.isEmpty()) return null;
        boolean v4 = s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
        boolean v6 = s.indexOf(':') >= 0 && s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
        if (v4) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) return null;
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) return null;
            }
        } else if (!v6) {
            return null;
        }
        try {
            return InetAddress.getByName(s); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            return null;
        }
    }

    public boolean contains(InetAddress address) {
        InetAddress a = unmap(address);
        if (a.getAddress().length != network.getAddress().length) return false;
        return mask(a, prefix).equals(network);
    }

    /** {@code ::ffff:a.b.c.d} becomes {@code a.b.c.d}; other addresses are returned as they are. */
    public static InetAddress unmap(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) mapped &= b[i] == 0;
            mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            if (mapped) {
                try {
                    return Inet4Address.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }

    private static InetAddress mask(InetAddress address, int prefix) {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            b[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return IpText.of(network) + "/" + prefix;
    }
}
