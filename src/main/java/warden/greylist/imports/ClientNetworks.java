package warden.greylist.imports;

import warden.greylist.GreylistSettings;
import warden.greylist.NetworkKey;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Regroups a client address or network written by another greylist into the client network
 * Warden keys entries by ({@code greylist.network_ipv4}/{@code network_ipv6}).
 *
 * <p>A source that keyed by a narrower network than Warden (greylistd's full address, postgrey's
 * {@code --lookup-by-host}) regroups without loss: Warden's key simply covers more clients, as it
 * does for live traffic. A source that keyed by a wider one (postgrey with {@code --ipv4cidr=16}
 * under Warden's /24) cannot be regrouped without guessing which of its clients were meant, so it
 * is refused with the setting that would take it.
 *
 * <h2>Standards</h2>
 * RFC 4632 (CIDR notation).
 */
final class ClientNetworks {

    private ClientNetworks() {}

    /**
     * The Warden network of {@code text}, an address ({@code 192.0.2.7}: a network of the source's
     * prefix for its family) or a network ({@code 192.0.2.0/24}). Throws
     * {@link IllegalArgumentException} with a sentence saying why and what to do.
     */
    static NetworkKey regroup(String text, int sourceIpv4, int sourceIpv6, GreylistSettings settings) {
        int slash = text.indexOf('/');
        InetAddress address = NetworkKey.literal(slash < 0 ? text : text.substring(0, slash));
        boolean v4 = address instanceof Inet4Address;
        int bits = v4 ? 32 : 128;
        int source = v4 ? sourceIpv4 : sourceIpv6;
        if (slash >= 0) {
            try {
                source = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no numeric prefix length after '/'");
            }
        }
        if (source < 0 || source > bits) throw new IllegalArgumentException("'" + text + "' has a prefix longer than its address");
        int wanted = v4 ? settings.networkIpv4() : settings.networkIpv6();
        if (source < wanted) {
            String key = "greylist.network_ipv" + (v4 ? 4 : 6);
            throw new IllegalArgumentException("'" + text + "' stands for a /" + source + " network, wider than the /" + wanted
                    + " Warden groups clients by (" + key + "); set " + key + ": " + source + " to import it");
        }
        return NetworkKey.of(address, settings.networkIpv4(), settings.networkIpv6());
    }
}
