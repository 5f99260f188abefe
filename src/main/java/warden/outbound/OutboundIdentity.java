package warden.outbound;

import warden.policy.helo.HeloBogusName;
import warden.policy.helo.HeloName;

import java.util.Optional;

/**
 * Whether our {@code hostname} is a name to greet other mail servers with: every outbound EHLO
 * and HELO, bounces included, uses it.
 *
 * <p>Seed 000 is a server listed by the CBL because its bounces greeted badly; seed 001 lists the
 * names the CBL and receivers treat as unconfigured software: {@code localhost}, {@code
 * localhost.localdomain} and any {@code *.localdomain}, a single label ({@code smtp}, a Windows
 * node name), a bare IP address. The same predicates as our own inbound checks
 * ({@code helo-bogus-name}, {@code helo-not-fqdn}, {@code helo-bare-ip}) decide, so Warden never
 * sends a greeting it would itself hold against a client.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.1 (the EHLO argument is the client's FQDN) and section 4.1.3 (an
 * address only as a literal in brackets); RFC 6761 section 6.3 ({@code localhost}).
 *
 * <p>Not done: whether the name's A/AAAA and PTR match the sending address needs DNS and the
 * source address; {@code warden doctor} checks that.
 */
public final class OutboundIdentity {

    /** What to do about a bad name, for {@code config check}, {@code serve} and the queue's deferrals. */
    public static final String FIX = "set hostname: to this host's fully qualified domain name, the one its public address's PTR"
            + " names, or outbound: false if it sends no mail";

    private OutboundIdentity() {}

    /** Why {@code hostname} is no name to greet with, or empty if it is a plausible FQDN. */
    public static Optional<String> problem(String hostname) {
        return switch (HeloName.parse(hostname)) {
            case HeloName.BareAddress b -> Optional.of("hostname '" + hostname
                    + "' is an IP address; receivers refuse a bare IP in HELO (RFC 5321 4.1.3)");
            case HeloName.Hostname h when HeloBogusName.isDefaultName(h) -> Optional.of("hostname '" + hostname
                    + "' is a default name of unconfigured software; receivers refuse it and the CBL lists senders that use it");
            case HeloName.Hostname h when !h.qualified() -> Optional.of("hostname '" + hostname
                    + "' is not a fully qualified domain name (no dot); receivers refuse such a HELO (RFC 5321 4.1.1.1)");
            case HeloName.Hostname h when h.syntaxError().isPresent() -> Optional.of("hostname '" + hostname
                    + "' is not a valid domain name: " + h.syntaxError().get());
            case HeloName.Hostname h -> Optional.empty();
            default -> Optional.of("hostname '" + hostname + "' is not a host name");
        };
    }
}
