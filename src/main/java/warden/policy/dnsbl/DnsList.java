package warden.policy.dnsbl;

import warden.mail.Cidr;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * One DNS list as configured: its zone, its weight toward the threshold, and which return codes
 * count ({@code dnsbl.lists} and {@code dnswl.lists} items).
 *
 * <p>A list is counted once however many A records it returns (postscreen's rule), so
 * {@code zen.spamhaus.org} answering 127.0.0.4 and 127.0.0.10 adds its weight once.
 *
 * <h2>Standards</h2>
 * RFC 5782 section 2.1 (IPv4 reversed octets) and 2.4 (IPv6 reversed nibbles).
 *
 * @param zone the list's DNS zone, e.g. {@code zen.spamhaus.org}
 * @param weight what a listing adds to the score (1 or more)
 * @param codes which A records count as a listing
 */
public record DnsList(String zone, int weight, ReturnCodes codes) {

    public DnsList {
        zone = zone.strip().toLowerCase(Locale.ROOT);
        if (zone.endsWith(".")) zone = zone.substring(0, zone.length() - 1);
        if (!zone.matches("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)+")) {
            throw new IllegalArgumentException("'" + zone + "' is not a DNS zone such as zen.spamhaus.org");
        }
        if (weight < 1 || weight > 100) throw new IllegalArgumentException("a weight must be 1..100, not " + weight);
    }

    /** A list of weight 1 counting every 127.0.0.0/8 code. */
    public static DnsList of(String zone) {
        return new DnsList(zone, 1, ReturnCodes.ANY);
    }

    /**
     * Parses postscreen's short form {@code zone[=filter][*weight]}, e.g.
     * {@code zen.spamhaus.org=127.0.0.[2..11]*2}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static DnsList parse(String text) {
        String t = text.strip();
        int weight = 1;
        int star = t.lastIndexOf('*');
        if (star >= 0) {
            String w = t.substring(star + 1).strip();
            if (!w.matches("\\d{1,3}")) throw new IllegalArgumentException("'" + w + "' after '*' is not a weight");
            weight = Integer.parseInt(w);
            t = t.substring(0, star);
        }
        int eq = t.indexOf('=');
        ReturnCodes codes = eq < 0 ? ReturnCodes.ANY : ReturnCodes.parse(List.of(t.substring(eq + 1)));
        return new DnsList(eq < 0 ? t : t.substring(0, eq), weight, codes);
    }

    /** The name to ask for the A (and TXT) records of {@code client}: reversed octets or nibbles, then the zone. */
    public String query(InetAddress client) {
        InetAddress a = Cidr.unmap(client);
        byte[] b = a.getAddress();
        StringBuilder q = new StringBuilder(80);
        if (a instanceof Inet4Address) {
            for (int i = 3; i >= 0; i--) q.append(b[i] & 0xff).append('.');
        } else {
            for (int i = 15; i >= 0; i--) {
                q.append(Character.forDigit(b[i] & 0x0f, 16)).append('.')
                 .append(Character.forDigit((b[i] >> 4) & 0x0f, 16)).append('.');
            }
        }
        return q.append(zone).toString();
    }

    @Override
    public String toString() {
        return zone + (codes == ReturnCodes.ANY ? "" : "=" + codes) + (weight == 1 ? "" : "*" + weight);
    }
}
