package warden.dns;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * What the A and the AAAA question said about one name, each kept on its own, so that half an
 * answer is not read as a whole one: when A timed out and AAAA answered, the name may still have
 * the IPv4 address a check is looking for. Only a check that needs just one address (does the
 * name exist?) may be content with {@link #combined()}.
 *
 * <h2>Standards</h2>
 * RFC 3596 (AAAA), RFC 5321 section 4.2 (a temporary DNS failure decides nothing).
 *
 * @param ipv4 the answer to A
 * @param ipv6 the answer to AAAA
 */
public record HostAddresses(DnsAnswer<InetAddress> ipv4, DnsAnswer<InetAddress> ipv6) {

    /** The addresses of both answers, IPv4 first; possibly only some of them (see {@link #complete()}). */
    public List<InetAddress> values() {
        if (ipv6.valuesOrEmpty().isEmpty()) return ipv4.valuesOrEmpty();
        if (ipv4.valuesOrEmpty().isEmpty()) return ipv6.valuesOrEmpty();
        List<InetAddress> all = new ArrayList<>(ipv4.valuesOrEmpty());
        all.addAll(ipv6.valuesOrEmpty());
        return all;
    }

    /** Whether both questions were answered (records or a definite "none"): {@link #values()} is all there is. */
    public boolean complete() {
        return !ipv4.isTempFail() && !ipv6.isTempFail();
    }

    /** Why the answer is not complete (the failed question's reason, for the log); empty text if it is complete. */
    public String failure() {
        if (ipv4 instanceof DnsAnswer.TempFail<InetAddress> failed) return failed.reason();
        if (ipv6 instanceof DnsAnswer.TempFail<InetAddress> failed) return failed.reason();
        return "";
    }

    /**
     * The two answers as one: Found if either has records (even if the other failed); TempFail if
     * neither has records and either failed temporarily; otherwise NotFound (nxdomain if the name
     * does not exist).
     */
    public DnsAnswer<InetAddress> combined() {
        List<InetAddress> all = values();
        if (!all.isEmpty()) return new DnsAnswer.Found<>(all);
        if (ipv4 instanceof DnsAnswer.TempFail<InetAddress> failed) return failed;
        if (ipv6 instanceof DnsAnswer.TempFail<InetAddress> failed) return failed;
        return new DnsAnswer.NotFound<>(nxdomain(ipv4) || nxdomain(ipv6));
    }

    private static boolean nxdomain(DnsAnswer<?> answer) {
        return answer instanceof DnsAnswer.NotFound<?> n && n.nxdomain();
    }
}
