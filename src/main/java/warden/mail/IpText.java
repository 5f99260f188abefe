package warden.mail;

import java.net.InetAddress;

/**
 * An IP address as people and log readers see it: dotted-quad for IPv4, and for IPv6 the
 * canonical text of RFC 5952 section 4 (lower-case hex, no leading zeros, the longest run of two or
 * more zero groups written {@code ::}, the first one on a tie) and section 5 ({@code ::ffff:192.0.2.1}
 * for an IPv4-mapped address). {@link InetAddress#getHostAddress()} writes the long form
 * {@code 2001:db8:0:0:0:0:0:1} instead, which fail2ban filters and administrators do not expect.
 *
 * <p>Only for text that is shown (log lines, replies, headers). Store keys that already exist in
 * the long form (greylist networks and triplets) keep it, so that existing entries still match.
 * A scope id ({@code %eth0}) is not part of the address and is left out.
 */
public final class IpText {

    private IpText() {}

    /** The canonical text of {@code address}. */
    public static String of(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) return dotted(b, 0);
        int[] group = new int[8];
        for (int i = 0; i < 8; i++) group[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        if (group[0] == 0 && group[1] == 0 && group[2] == 0 && group[3] == 0 && group[4] == 0 && group[5] == 0xffff) {
            return "::ffff:" + dotted(b, 12);
        }
        int bestStart = -1;
        int bestLength = 1; // RFC 5952 4.2.2: a single 0 group is not shortened
        for (int i = 0; i < 8; ) {
            if (group[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && group[j] == 0) j++;
            if (j - i > bestLength) { // strictly longer: the first run wins a tie (4.2.3)
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') s.append(':');
            s.append(Integer.toHexString(group[i]));
        }
        return s.toString();
    }

    /** {@code [192.0.2.1]} or {@code [2001:db8::1]}: the bracketed form log lines and greetings use. */
    public static String bracketed(InetAddress address) {
        return "[" + of(address) + "]";
    }

    private static String dotted(byte[] b, int from) {
        return (b[from] & 0xff) + "." + (b[from + 1] & 0xff) + "." + (b[from + 2] & 0xff) + "." + (b[from + 3] & 0xff);
    }
}
