package warden.outbound;

import warden.mail.Cidr;

import java.net.InetAddress;
import java.util.Optional;

/**
 * One configured next hop, as written in {@code routes:} and {@code smarthost:}, after Postfix's
 * {@code transport_maps} and {@code relayhost}:
 * <ul>
 * <li>{@code "[10.0.0.5]:25"}, {@code "[::1]:2525"}: an address literal; connect there, no DNS;
 * <li>{@code "[mail.provider.example]:587"}: a name in brackets; its A/AAAA records, no MX lookup
 *     (Postfix's brackets, Exim's {@code manualroute ... byname});
 * <li>{@code "mail.example.net"}, {@code "mail.example.net:587"}: looked up by MX, then A/AAAA
 *     when it has no MX, as a recipient domain would be.
 * </ul>
 * An IPv4 address written without brackets is taken as a literal too (it has no MX to look up).
 * {@code ConfigLoader} parses the text; {@link MxHopResolver} resolves it.
 *
 * @param host a host or domain name, or an IP address (then {@code literal} is true), lower case
 * @param port the TCP port, 25 unless given
 * @param literal written in brackets (or an IP address): no MX lookup
 */
public record NextHop(String host, int port, boolean literal) {

    /** The IP address when the host is one ({@code [10.0.0.5]}), empty for a name. */
    public Optional<InetAddress> address() {
        return literal ? Optional.ofNullable(Cidr.literal(host)) : Optional.empty();
    }

    /** As written in the configuration, normalised: {@code [10.0.0.5]:25}, {@code mail.example.net}, {@code mail.example.net:587}. */
    public String text() {
        if (literal) return "[" + host + "]:" + port;
        return port == 25 ? host : host + ":" + port;
    }

    @Override
    public String toString() {
        return text();
    }
}
