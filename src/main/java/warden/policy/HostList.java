package warden.policy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A list of client hosts: IP addresses, networks in CIDR notation and host names with {@code *}
 * wildcards, as in a whitelist file or a check's exemption list.
 *
 * <p>A name pattern is matched <em>only</em> against the client's forward-confirmed reverse name
 * (FCrDNS): a PTR record alone is under the control of whoever owns the address block, so
 * matching unconfirmed names would let any spammer whitelist himself with a PTR record of
 * {@code x.amazonses.com} (postgrey issue #67). {@code *} matches any run of characters, dots
 * included, so {@code *.amazonses.com} matches {@code a1-2.smtp-out.amazonses.com} but not
 * {@code amazonses.com}. Matching is case-insensitive.
 *
 * <p>Text format: one entry per line (several separated by blanks are allowed), {@code #} starts a
 * comment. IPv4-mapped IPv6 addresses match their IPv4 form.
 *
 * <h2>Standards</h2>
 * RFC 4632 (CIDR), RFC 4291 section 2.3 (IPv6 prefixes), RFC 1912 section 2.1 (PTR and A must agree).
 */
public final class HostList {

    /** The empty list: matches nothing. */
    public static final HostList EMPTY = new HostList(List.of(), List.of());

    private static final Pattern NAME = Pattern.compile("[a-z0-9*_](?:[a-z0-9*_.-]*[a-z0-9*_])?");
    private static final Pattern ADDRESS = Pattern.compile("[0-9a-f:.]+");

    private record Network(byte[] prefix, int bits) {}

    private final List<Network> networks;
    private final List<Pattern> names;

    private HostList(List<Network> networks, List<Pattern> names) {
        this.networks = List.copyOf(networks);
        this.names = List.copyOf(names);
    }

    /** A list from entries known to be valid (tests, built-in defaults). */
    public static HostList of(String... entries) {
        return parse("host list", List.of(entries), error -> {
            throw new IllegalArgumentException(error);
        });
    }

    /**
     * Parses lines of text; each bad entry is reported to {@code errors} as
     * {@code source:line: problem; fix} and left out.
     */
    public static HostList parse(String source, List<String> lines, Consumer<String> errors) {
        List<Network> networks = new ArrayList<>();
        List<Pattern> names = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) line = line.substring(0, hash);
            for (String entry : line.strip().split("\\s+")) {
                if (entry.isEmpty()) continue;
                String e = entry.toLowerCase(Locale.ROOT);
                Optional<Network> network = network(e);
                if (network.isPresent()) {
                    networks.add(network.get());
                } else if (!looksNumeric(e) && NAME.matcher(e).matches()) {
                    names.add(glob(e));
                } else {
                    errors.accept(source + ":" + (i + 1) + ": '" + entry + "' is neither an address (192.0.2.1,"
                            + " 2001:db8::1), a network (192.0.2.0/24) nor a host name (*.example.com);"
                            + " correct or remove it");
                }
            }
        }
        return new HostList(networks, names);
    }

    /** Whether the client matches: by address, or by its forward-confirmed name. */
    public boolean matches(InetAddress client, Optional<String> confirmedName) {
        // The engine asks for every check at every stage, and most lists are empty.
        if (networks.isEmpty() && names.isEmpty()) return false;
        byte[] address = client.getAddress();
        for (Network n : networks) {
            if (inNetwork(address, n)) return true;
        }
        if (confirmedName.isPresent()) {
            String name = OwnIdentity.normal(confirmedName.get());
            for (Pattern p : names) {
                if (p.matcher(name).matches()) return true;
            }
        }
        return false;
    }

    public boolean isEmpty() { return networks.isEmpty() && names.isEmpty(); }

    /** Whether any entry is a name pattern (a match then needs the client's FCrDNS name). */
    public boolean hasNames() { return !names.isEmpty(); }

    private static boolean inNetwork(byte[] address, Network n) {
        if (address.length != n.prefix.length) return false;
        int full = n.bits / 8;
        for (int i = 0; i < full; i++) {
            if (address[i] != n.prefix[i]) return false;
        }
        int rest = n.bits % 8;
        if (rest == 0) return true;
        int mask = 0xff << (8 - rest) & 0xff;
        return (address[full] & mask) == (n.prefix[full] & mask);
    }

    private static Optional<Network> network(String entry) {
        int slash = entry.indexOf('/');
        String text = slash < 0 ? entry : entry.substring(0, slash);
        if (!ADDRESS.matcher(text).matches() || !(text.contains(":") || text.chars().filter(c -> c == '.').count() == 3)) {
            return Optional.empty();
        }
        InetAddress address;
        try {
            // Safe: text is a dotted quad or IPv6 text (checked above), never resolved as a name.
            address = InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
        int max = address instanceof Inet4Address ? 32 : 128;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
            if (bits < 0 || bits > max) return Optional.empty();
        }
        return Optional.of(new Network(address.getAddress(), bits));
    }

    private static Pattern glob(String name) {
        String[] parts = name.split("\\*", -1);
        StringBuilder regex = new StringBuilder(Pattern.quote(parts[0]));
        for (int i = 1; i < parts.length; i++) {
            regex.append(".*").append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(regex.toString());
    }

    /** An entry meant as an address or network: IPv6 text, or only digits, dots and a slash. */
    private static boolean looksNumeric(String entry) {
        return entry.contains(":") || entry.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == '/');
    }
}
