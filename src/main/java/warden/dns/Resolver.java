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

    /** A and AAAA, each answer kept on its own: half an answer is not a whole one. */
    default HostAddresses hostAddresses(String name) {
        return new HostAddresses(a(name), aaaa(name));
    }

    /**
     * A and AAAA together: Found if either has records; TempFail if neither has records and either
     * failed temporarily; otherwise NotFound (nxdomain if the name does not exist). Found may be
     * half an answer: a check that looks for one particular address asks {@link #hostAddresses}.
     */
    default DnsAnswer<InetAddress> addresses(String name) {
        return hostAddresses(name).combined();
    }

    /** Reverse names of {@code address} (in-addr.arpa, or ip6.arpa nibbles for IPv6). */
    DnsAnswer<String> ptr(InetAddress address);

    /** TXT strings of {@code name}, each record's character-strings joined. */
    DnsAnswer<String> txt(String name);

    /** MX records of {@code domain}, lowest preference first. */
    DnsAnswer<MxHost> mx(String domain);
}
