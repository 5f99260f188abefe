package warden.policy.dnsbl;

import warden.mail.IpText;
import java.net.InetAddress;
import java.util.List;

/**
 * One list's listing of a client: the list, the codes that counted, and the TXT reason (often a
 * URL explaining the listing and how to be removed; empty when the list publishes none).
 *
 * @param list the list that lists the client
 * @param codes the A records that counted as a listing
 * @param text the TXT record's text, as one printable line, or empty
 */
public record Listing(DnsList list, List<InetAddress> codes, String text) {

    public Listing {
        codes = List.copyOf(codes);
    }

    public String zone() { return list.zone(); }

    /** For logs: {@code zen.spamhaus.org (127.0.0.2, 127.0.0.4)}. */
    @Override
    public String toString() {
        return list.zone() + " (" + String.join(", ", codes.stream().map(IpText::of).toList()) + ")";
    }
}
