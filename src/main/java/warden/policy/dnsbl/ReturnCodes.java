package warden.policy.dnsbl;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Which A records of a DNS list count as a listing: every 127.0.0.0/8 answer by default, or those
 * matching a filter; and which answers are never a listing whatever the filter says.
 *
 * <p>Filter items (any one matching makes an answer count), in the syntaxes of Exim and Postfix:
 * <ul>
 *   <li>{@code 127.0.0.2}: that code;</li>
 *   <li>{@code 127.0.0.2-127.0.0.11}: a range, both ends included;</li>
 *   <li>{@code 127.0.0.[2..11]}, {@code 127.0.[0;1].[2;4..7]}: Postfix's octet patterns
 *       ({@code reject_rbl_client zen.spamhaus.org=127.0.0.[2..11]});</li>
 *   <li>{@code &0.0.0.4}, {@code &4}, {@code &0x04}: a bit mask, every bit of which must be set
 *       in the answer (Exim's {@code zone&0.0.0.4}, for lists that encode causes as bits).</li>
 * </ul>
 *
 * <p>Never a listing (see {@link #refusal}): the 127.255.255.0/24 error codes Spamhaus answers
 * to queries it refuses (252 a typing error in the zone name, 254 a query through a public or
 * open resolver, 255 too many queries), 127.0.0.1 (RFC 5782 section 5 forbids listing it; URIBL
 * answers it to refused queries), 127.0.0.255 (dnswl.org's "over the limit"), and anything outside
 * 127.0.0.0/8 (SpamCop's domain expired in 2021 and its parking service answered every query:
 * software that counted any A record refused all mail).
 *
 * <h2>Standards</h2>
 * RFC 5782 sections 2.1 and 5; Spamhaus's return-code table; Exim spec 44.34, Postfix postconf(5)
 * {@code reject_rbl_client}.
 */
public final class ReturnCodes {

    /** Every 127.0.0.0/8 code that is not a refusal. */
    public static final ReturnCodes ANY = new ReturnCodes(List.of(), "any 127.0.0.0/8 code");

    private final List<IntPredicate> items;
    private final String text;

    private ReturnCodes(List<IntPredicate> items, String text) {
        this.items = List.copyOf(items);
        this.text = text;
    }

    /**
     * Parses filter items (see the class comment); an empty list is {@link #ANY}.
     *
     * @throws IllegalArgumentException naming the bad item and the accepted forms
     */
    public static ReturnCodes parse(List<String> filters) {
        if (filters.isEmpty()) return ANY;
        List<IntPredicate> items = new ArrayList<>();
        for (String f : filters) items.add(item(f.strip()));
        return new ReturnCodes(items, String.join(", ", filters.stream().map(String::strip).toList()));
    }

    /** Whether {@code answer} is a listing under this filter (refusals and non-127/8 answers never are). */
    public boolean matches(InetAddress answer) {
        if (refusal(answer).isPresent() || !(answer instanceof Inet4Address)) return false;
        int code = toInt(answer);
        if ((code >>> 24) != 127) return false;
        if (items.isEmpty()) return true;
        for (IntPredicate p : items) {
            if (p.test(code)) return true;
        }
        return false;
    }

    /**
     * Why {@code answer} is not a listing but the list's refusal to answer or a broken zone, if it
     * is one: for the log, so that the operator learns that a list does not serve him.
     */
    public static Optional<String> refusal(InetAddress answer) {
        if (!(answer instanceof Inet4Address)) return Optional.of("not an IPv4 address");
        int code = toInt(answer);
        if ((code >>> 24) != 127) return Optional.of("outside 127.0.0.0/8: the zone is broken or has expired");
        if ((code & 0xffffff00) == 0x7fffff00) {
            return Optional.of(switch (code & 0xff) {
                case 252 -> "an error code: typing error in the list's name";
                case 254 -> "an error code: the query came through a public or open resolver; use your own";
                case 255 -> "an error code: too many queries";
                default -> "an error code (127.255.255.0/24 is reserved for errors)";
            });
        }
        if (code == 0x7f000001) return Optional.of("127.0.0.1, which no list may use for a listing (RFC 5782): a refused query");
        if (code == 0x7f0000ff) return Optional.of("an error code: over the list's query limit");
        return Optional.empty();
    }

    @Override
    public String toString() { return text; }

    private static IntPredicate item(String f) {
        try {
            if (f.startsWith("&")) {
                String m = f.substring(1).strip();
                int mask = m.contains(".") ? toInt(quad(m))
                        : m.toLowerCase().startsWith("0x") ? Integer.parseUnsignedInt(m.substring(2), 16) : Integer.parseUnsignedInt(m);
                if (mask == 0) throw new IllegalArgumentException("an empty mask");
                return code -> (code & mask) == mask;
            }
            int dash = f.indexOf('-');
            if (dash > 0) {
                long low = Integer.toUnsignedLong(toInt(quad(f.substring(0, dash).strip())));
                long high = Integer.toUnsignedLong(toInt(quad(f.substring(dash + 1).strip())));
                if (low > high) throw new IllegalArgumentException("the range runs backwards");
                return code -> Integer.toUnsignedLong(code) >= low && Integer.toUnsignedLong(code) <= high;
            }
            return octets(f);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + f + "' is not a return-code filter (" + e.getMessage()
                    + "); write 127.0.0.2, 127.0.0.2-127.0.0.11, 127.0.0.[2..11] or &0.0.0.4");
        }
    }

    /** {@code a.b.c.d} where each octet is a number or a Postfix {@code [x;y..z]} set. */
    private static IntPredicate octets(String f) {
        // split at the dots outside brackets: "127.0.0.[2..11]" is four octets
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '[') depth++;
            else if (c == ']') depth--;
            else if (c == '.' && depth == 0) {
                parts.add(f.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(f.substring(start));
        if (parts.size() != 4) throw new IllegalArgumentException("not four octets");
        List<IntPredicate> octet = new ArrayList<>();
        for (String p : parts) {
            if (p.startsWith("[") && p.endsWith("]")) {
                List<int[]> ranges = new ArrayList<>();
                for (String r : p.substring(1, p.length() - 1).split(";")) {
                    int dots = r.indexOf("..");
                    int lo = octet(dots < 0 ? r : r.substring(0, dots));
                    int hi = dots < 0 ? lo : octet(r.substring(dots + 2));
                    if (lo > hi) throw new IllegalArgumentException("the range " + r + " runs backwards");
                    ranges.add(new int[] {lo, hi});
                }
                octet.add(v -> ranges.stream().anyMatch(r -> v >= r[0] && v <= r[1]));
            } else {
                int n = octet(p);
                octet.add(v -> v == n);
            }
        }
        return code -> {
            for (int i = 0; i < 4; i++) {
                if (!octet.get(i).test((code >>> (24 - 8 * i)) & 0xff)) return false;
            }
            return true;
        };
    }

    private static int octet(String s) {
        String t = s.strip();
        if (!t.matches("\\d{1,3}") || Integer.parseInt(t) > 255) throw new IllegalArgumentException("'" + s + "' is not an octet");
        return Integer.parseInt(t);
    }

    private static InetAddress quad(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) throw new IllegalArgumentException("'" + s + "' is not a dotted quad");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) b[i] = (byte) octet(parts[i]);
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("four bytes are an address", e);
        }
    }

    private static int toInt(InetAddress a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }
}
