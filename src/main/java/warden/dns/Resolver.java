package warden.dns;

import java.net.InetAddress;

/**
 * The DNS questions a mail server asks, each answered as a {@link DnsAnswer}.
 *
 * <p>Names are given and returned without the trailing root dot, lower-cased on return. Every
 * method is safe to call from many virtual threads at once and never throws for a DNS failure:
 * failures are {@link DnsAnswer.TempFail}.
 *
 * @see DnsAnswer
 */
public interface Resolver {

    /** IPv4 addresses of {@code name}. */
    DnsAnswer<InetAddress> a(String name);

    /** IPv6 addresses of {@code name}. */
    DnsAnswer<InetAddress> aaaa(String name);

    /**
     * A and AAAA together: Found if either has records; TempFail if neither has records and either
     * failed temporarily; otherwise NotFound (nxdomain if the name does not exist).
     */
    DnsAnswer<InetAddress> addresses(String name);

    /** Reverse names of {@code address} (in-addr.arpa, or ip6.arpa nibbles for IPv6). */
    DnsAnswer<String> ptr(InetAddress address);

    /** TXT strings of {@code name}, each record's character-strings joined. */
    DnsAnswer<String> txt(String name);

    /** MX records of {@code domain}, lowest preference first. */
    DnsAnswer<MxHost> mx(String domain);
}
