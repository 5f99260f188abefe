package warden.policy.helo;

import warden.dns.ClientIdentity;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * {@code helo-embedded-ip}: the host name carries an IP address, the mark of an access-network
 * (dial-up, DSL, cable) name, and is not the client's own reverse name.
 *
 * <p>Seed 002's "HELO contain a IP part" recipe, made safer. It fails when the name contains
 * <ul>
 *   <li>any dotted or dashed IPv4 quad ({@code 1.2.3.4}, {@code host-1-2-3-4.example.net}), or</li>
 *   <li>the client's own IPv4 address as 8 hex digits (either byte order), or</li>
 *   <li>the client's own IPv6 address as 32 hex digits or as dashed groups,</li>
 * </ul>
 * unless the name is one of the client's PTR names (a static host named after its address is
 * honest). Only the client's own address counts in hex: seed 002's "any 8 hex digits" hit
 * ordinary labels such as {@code some-d1245f1a.random-hosting.name} (hestiacp #1438). Two numbers
 * are not enough ({@code a8-30.smtp-out.amazonses.com}, {@code mta-88-224.sparkpostmail.com} and
 * {@code mx12.example.com} pass; Haraka's "dynamic" check fails them).
 *
 * <h2>Not done</h2>
 * No keyword lists ({@code dyn}, {@code dsl}, {@code pool}): they rot and hit business names.
 */
public final class HeloEmbeddedIp implements Check {

    public static final String NAME = "helo-embedded-ip";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding NO_ADDRESS = new Finding(NAME, Finding.Outcome.PASS, "no IP address in the name");
    private static final Finding REVERSE_NAME = new Finding(NAME, Finding.Outcome.PASS, "the name carries an address but is the client's reverse name");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        Optional<String> embedded = embedded(h.name(), s.clientAddress());
        if (embedded.isEmpty()) return NO_ADDRESS;
        List<String> ptr = s.identity().map(ClientIdentity::ptrNames).orElse(List.of());
        if (ptr.stream().anyMatch(n -> n.equalsIgnoreCase(h.name()))) {
            return REVERSE_NAME;
        }
        if (ptr.isEmpty() && s.identity().map(ClientIdentity::tempFail).orElse(false)) {
            return tempFail("HELO " + h.shown() + " carries an IP address and the client's reverse name could not be looked up now");
        }
        return fail("HELO " + h.shown() + " carries an IP address (" + embedded.get()
                + ") and is not the client's reverse name: a dynamic-looking name");
    }

    /**
     * The first dotted or dashed quad of octets in {@code name} ({@code 1.2.3.4}, {@code 1-2-3-4}):
     * four runs of one to three digits joined by single dots or dashes, with no digit just before
     * or after, each at most 255. Written out by hand rather than as the pattern
     * {@code (?<![0-9])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?![0-9])}, which it
     * follows exactly (a quad with an octet over 255 is passed over whole, as {@code find()}
     * would), because every greeting that is a name goes through it.
     */
    static Optional<String> quad(String name) {
        int n = name.length();
        int from = 0;
        while (true) {
            int start = from;
            while (start < n && !(digit(name, start) && (start == 0 || !digit(name, start - 1)))) start++;
            if (start == n) return Optional.empty();
            int end = start;
            int runs = 0;
            boolean octets = true;
            while (true) {
                int value = 0;
                int run = end;
                while (end < n && digit(name, end)) value = value * 10 + (name.charAt(end++) - '0');
                if (end - run < 1 || end - run > 3) break;
                octets &= value <= 255;
                if (++runs == 4) break;
                if (end == n || (name.charAt(end) != '.' && name.charAt(end) != '-')) break;
                end++;
            }
            if (runs == 4 && octets) return Optional.of(name.substring(start, end));
            // A whole quad with a bad octet is passed over; anything else, the next run of digits is tried.
            from = runs == 4 ? end : start + 1;
        }
    }

    /** Where {@code value} is written in {@code name} as 8 lower-case hex digits, or -1. */
    private static int indexOfHex(String name, int value) {
        next:
        for (int i = 0; i + 8 <= name.length(); i++) {
            for (int k = 0; k < 8; k++) {
                if (name.charAt(i + k) != Character.forDigit(value >>> (28 - 4 * k) & 0xf, 16)) continue next;
            }
            return i;
        }
        return -1;
    }

    private static boolean digit(String s, int i) {
        char c = s.charAt(i);
        return c >= '0' && c <= '9';
    }

    /** The address-like part of {@code name}, if any. */
    static Optional<String> embedded(String name, InetAddress client) {
        Optional<String> quad = quad(name);
        if (quad.isPresent()) return quad;
        byte[] b = client.getAddress();
        if (client instanceof Inet4Address) {
            // Looked for in place, not written out twice for contains(): most names are clean.
            int address = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
            for (int form : new int[] {address, Integer.reverseBytes(address)}) {
                int at = indexOfHex(name, form);
                if (at >= 0) return Optional.of(name.substring(at, at + 8));
            }
        } else {
            String full = HexFormat.of().formatHex(b);
            if (name.contains(full)) return Optional.of(full);
            StringBuilder dashed = new StringBuilder();
            for (int i = 0; i < 16; i += 2) {
                if (i > 0) dashed.append('-');
                dashed.append(Integer.toHexString((b[i] & 0xff) << 8 | (b[i + 1] & 0xff)));
            }
            if (name.contains(dashed)) return Optional.of(dashed.toString());
        }
        return Optional.empty();
    }
}
