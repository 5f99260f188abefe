package warden.greylist;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The client network a greylist entry is keyed by: the client address masked to a prefix, written
 * as {@code 192.0.2.0/24} or {@code 2001:db8:1:2:0:0:0:0/64}.
 *
 * <p>Large senders retry from another address of the same pool; keying by network rather than by
 * address lets such a retry match (postgrey's {@code --lookup-by-subnet}, rspamd's
 * {@code ipv4_mask}/{@code ipv6_mask}). IPv6 is grouped by /64 by default because that is the
 * smallest network one site is normally given (and what Spamhaus lists).
 *
 * <h2>Standards</h2>
 * RFC 4632 (CIDR notation), RFC 4291 section 2.5.4 (/64 interface identifiers).
 *
 * <p>It never resolves names: text that is not an address literal is refused.
 *
 * @param text the canonical {@code address/prefix} form, used as (part of) a store key
 */
public record NetworkKey(String text) {

    // A dotted quad, or anything with a colon (which InetAddress parses as IPv6 or refuses):
    // neither form can make InetAddress.getByName fall back to a DNS lookup.
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern LITERAL = Pattern.compile(OCTET + "(\\." + OCTET + "){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** Groups {@code address} by {@code ipv4Prefix} or {@code ipv6Prefix}, whichever family it is. */
    public static NetworkKey of(InetAddress address, int ipv4Prefix, int ipv6Prefix) {
        int prefix = address instanceof Inet4Address ? ipv4Prefix : ipv6Prefix;
        int bits = address.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " does not fit a " + bits + "-bit address");
        }
        byte[] raw = address.getAddress();
        for (int i = 0; i < raw.length; i++) {
            int keep = Math.clamp(prefix - i * 8L, 0, 8);
            raw[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return new NetworkKey(InetAddress.getByAddress(raw).getHostAddress() + "/" + prefix);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a masked address of valid length", e);
        }
    }

    /**
     * Parses an address ({@code 192.0.2.7}, grouped by the given prefixes) or a network
     * ({@code 192.0.2.0/24}, kept at its own prefix), as an operator types it.
     */
    public static NetworkKey parse(String text, int ipv4Prefix, int ipv6Prefix) {
        int slash = text.indexOf('/');
        String literal = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = literal(literal);
        if (slash < 0) return of(address, ipv4Prefix, ipv6Prefix);
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric prefix length after '/'");
        }
        return of(address, prefix, prefix);
    }

    /** Parses an IP address literal without ever asking DNS. */
    public static InetAddress literal(String text) {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!LITERAL.matcher(bare).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(bare); // a literal: no DNS query is made
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
    }

    @Override
    public String toString() { return text; }
}
