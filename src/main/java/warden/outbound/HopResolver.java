package warden.outbound;

import java.net.InetAddress;
import java.util.List;

/**
 * Turns a {@link Destination} into the addresses to connect to, in order (RFC 5321 section 5.1:
 * MX by preference, random among equals, implicit MX from A/AAAA, each host's addresses in turn;
 * RFC 7505 null MX; an MX list that leads back to us).
 */
public interface HopResolver {

    Resolution resolve(Destination destination);

    /** The answer for one destination. */
    sealed interface Resolution {}

    /**
     * Where to connect, best first.
     *
     * @param candidates never empty
     */
    record Candidates(List<Candidate> candidates) implements Resolution {
        public Candidates {
            candidates = List.copyOf(candidates);
            if (candidates.isEmpty()) throw new IllegalArgumentException("no candidates");
        }
    }

    /**
     * Permanently undeliverable: null MX (RFC 7505: {@code 556 5.1.10}), a domain that does not
     * exist ({@code 5.1.2}), an MX list that loops back to us ({@code 5.4.6}).
     */
    record Fail(String status, String text) implements Resolution {}

    /** Could not tell now (DNS timeout, SERVFAIL): defer, never fail. */
    record TempFail(String status, String text) implements Resolution {}

    /**
     * One address to connect to.
     *
     * @param host the host name (MX exchange or configured host), for the log and the report's
     *        {@code Remote-MTA}; the address text for a literal
     * @param address where to connect
     * @param port the TCP port
     */
    record Candidate(String host, InetAddress address, int port) {}
}
