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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final Pattern QUAD =
            Pattern.compile("(?<![0-9])(\\d{1,3})[.-](\\d{1,3})[.-](\\d{1,3})[.-](\\d{1,3})(?![0-9])");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return skip("not a host name");
        Optional<String> embedded = embedded(h.name(), s.clientAddress());
        if (embedded.isEmpty()) return pass("no IP address in the name");
        List<String> ptr = s.identity().map(ClientIdentity::ptrNames).orElse(List.of());
        if (ptr.stream().anyMatch(n -> n.equalsIgnoreCase(h.name()))) {
            return pass("the name carries an address but is the client's reverse name");
        }
        if (ptr.isEmpty() && s.identity().map(ClientIdentity::tempFail).orElse(false)) {
            return tempFail("HELO " + h.shown() + " carries an IP address and the client's reverse name could not be looked up now");
        }
        return fail("HELO " + h.shown() + " carries an IP address (" + embedded.get()
                + ") and is not the client's reverse name: a dynamic-looking name");
    }

    /** The address-like part of {@code name}, if any. */
    static Optional<String> embedded(String name, InetAddress client) {
        Matcher m = QUAD.matcher(name);
        while (m.find()) {
            boolean octets = true;
            for (int g = 1; g <= 4; g++) octets &= Integer.parseInt(m.group(g)) <= 255;
            if (octets) return Optional.of(m.group());
        }
        byte[] b = client.getAddress();
        HexFormat hex = HexFormat.of();
        if (client instanceof Inet4Address) {
            byte[] reversed = {b[3], b[2], b[1], b[0]};
            for (String form : List.of(hex.formatHex(b), hex.formatHex(reversed))) {
                if (name.contains(form)) return Optional.of(form);
            }
        } else {
            String full = hex.formatHex(b);
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
