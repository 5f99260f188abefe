package warden.outbound;

/**
 * One configured next hop: {@code "[10.0.0.5]:25"} (a literal: connect to that host, no MX
 * lookup) or {@code "mail.example.net"} / {@code "mail.example.net:587"} (looked up by MX, then
 * A/AAAA, as Exim's {@code manualroute} does without {@code byname}).
 *
 * @param host a host or domain name, or an IP address when {@code literal}
 * @param port the TCP port, 25 unless given
 * @param literal written in brackets: no MX lookup
 */
public record NextHop(String host, int port, boolean literal) {}
