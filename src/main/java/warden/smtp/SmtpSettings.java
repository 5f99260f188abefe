package warden.smtp;

import warden.config.WardenConfig;
import warden.mail.Cidr;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * What the protocol needs from the configuration, in one immutable value.
 *
 * @param hostname our FQDN, for the banner, replies and Received headers
 * @param limits protocol and resource limits
 * @param relayNetworks clients that may relay
 * @param trustedProxies peers whose PROXY headers are believed
 * @param normalizeBareLineEndings turn bare CR/LF in DATA into CRLF instead of refusing the message
 * @param bannerDelay how long to wait before the banner, watching for early talkers (zero: none)
 */
public record SmtpSettings(String hostname, WardenConfig.Limits limits, List<Cidr> relayNetworks,
                           List<Cidr> trustedProxies, boolean normalizeBareLineEndings, Duration bannerDelay) {

    public SmtpSettings {
        relayNetworks = List.copyOf(relayNetworks);
        trustedProxies = List.copyOf(trustedProxies);
    }

    public static SmtpSettings from(WardenConfig c) {
        return new SmtpSettings(c.hostname(), c.limits(), c.relayNetworks(), c.trustedProxies(),
                c.bareLineEndings() == WardenConfig.BareLineEndings.NORMALIZE, c.policy().bannerDelay());
    }

    public SmtpSettings withBannerDelay(Duration delay) {
        return new SmtpSettings(hostname, limits, relayNetworks, trustedProxies, normalizeBareLineEndings, delay);
    }

    /**
     * How long a TLS handshake may take (STARTTLS, or the first bytes on an implicit-TLS port):
     * the command timeout, at most 30 seconds. A handshake is a few round trips; a client that
     * has not finished it by then is not going to.
     */
    public Duration tlsHandshakeTimeout() {
        Duration cap = Duration.ofSeconds(30);
        return limits.commandTimeout().compareTo(cap) < 0 ? limits.commandTimeout() : cap;
    }

    public boolean isRelayClient(InetAddress address) {
        return relayNetworks.stream().anyMatch(n -> n.contains(address));
    }

    public boolean isTrustedProxy(InetAddress address) {
        return trustedProxies.stream().anyMatch(n -> n.contains(address));
    }
}
