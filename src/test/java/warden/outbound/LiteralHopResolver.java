package warden.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * For tests of the SMTP client: a destination's hops must be address literals
 * ({@code [127.0.0.1]:PORT}); each is one candidate, in order. No DNS.
 */
final class LiteralHopResolver implements HopResolver {

    @Override
    public Resolution resolve(Destination destination) {
        List<Candidate> out = new ArrayList<>();
        for (NextHop hop : destination.hops()) {
            if (!hop.literal()) throw new IllegalArgumentException("tests route to literals only: " + hop);
            try {
                out.add(new Candidate(hop.host(), InetAddress.getByName(hop.host()), hop.port()));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(hop.host(), e);
            }
        }
        return new Candidates(out);
    }

    /** A destination trying {@code ports} on 127.0.0.1 in order. */
    static Destination to(String key, boolean authenticate, int... ports) {
        List<NextHop> hops = new ArrayList<>();
        for (int p : ports) hops.add(new NextHop("127.0.0.1", p, true));
        return new Destination(key, hops, authenticate);
    }
}
