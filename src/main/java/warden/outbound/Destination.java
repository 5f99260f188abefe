package warden.outbound;

import java.util.List;

/**
 * Where a group of recipients goes: the unit of the per-destination concurrency limit and of
 * connection reuse.
 *
 * @param key what concurrency and reuse are counted by: the recipient domain for MX delivery,
 *        the route or smarthost text otherwise
 * @param hops the next hops to try in order; for plain MX delivery one non-literal hop, the
 *        recipient domain, port 25
 * @param authenticate whether to AUTH with the {@code smarthost_credentials} of the host (only
 *        over TLS)
 */
public record Destination(String key, List<NextHop> hops, boolean authenticate) {
    public Destination {
        hops = List.copyOf(hops);
    }
}
