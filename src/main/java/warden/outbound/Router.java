package warden.outbound;

import warden.config.WardenConfig;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Where mail for a remote recipient domain goes: the {@link Destination} the queue groups
 * recipients by and hands to the {@link Transport}.
 *
 * <p>First match wins, as an Exim router list does:
 * <ol>
 * <li>a {@code routes:} entry for the domain itself ({@code example.net});
 * <li>a {@code routes:} entry for a parent, written with a leading dot ({@code .example.net}
 *     matches {@code a.b.example.net}, not {@code example.net}; the longest parent wins), as
 *     Postfix's {@code transport_maps};
 * <li>the {@code "*"} route;
 * <li>the {@code smarthost}: the only destination that authenticates, and only when
 *     {@code smarthost_credentials} is set (a smarthost that takes mail by address, as an ISP's
 *     relay often does, needs no file; with the file, Debian's Exim authenticates where it has an
 *     entry for the host);
 * <li>the domain's own MX records ({@link Destination#mx}).
 * </ol>
 * Each destination names its rule for the log's {@code R=} ({@code route}, {@code smarthost},
 * {@code dnslookup}). Which recipients are remote at all is {@link warden.recipient.DomainRouter}'s
 * question, asked before this one.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 5.1 (the recipient domain's MX, when nothing is configured).
 *
 * <p>Not done: routes per sender or per local part (Exim's {@code route_list} on other
 * variables), and authenticating at a route (only the smarthost authenticates).
 *
 * @see MxHopResolver
 */
public final class Router {

    private final Map<String, Destination> routes;
    private final Optional<Destination> smarthost;

    /**
     * @param routes recipient domain, {@code .parent} or {@code *} to its next hops (lower case,
     *        as {@link WardenConfig#routes()} gives them)
     * @param smarthost the relay for everything else, if any
     * @param smarthostAuthenticates whether the smarthost is sent credentials (there is a credentials file)
     */
    public Router(Map<String, List<NextHop>> routes, Optional<NextHop> smarthost, boolean smarthostAuthenticates) {
        this.routes = routes.entrySet().stream().collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e ->
                new Destination(e.getValue().stream().map(NextHop::text).collect(Collectors.joining(" ")), e.getValue(),
                        false, Destination.ROUTE)));
        this.smarthost = smarthost.map(hop -> new Destination(hop.text(), List.of(hop), smarthostAuthenticates,
                Destination.SMARTHOST));
    }

    /** The router of a configuration's {@code routes} and {@code smarthost}. */
    public static Router from(WardenConfig config) {
        return new Router(config.routes(), config.smarthost(), config.smarthostCredentials().isPresent());
    }

    /** Where mail for {@code domain} goes (any case, a trailing dot ignored). */
    public Destination route(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) d = d.substring(0, d.length() - 1);
        Destination exact = routes.get(d);
        if (exact != null) return exact;
        for (int dot = d.indexOf('.'); dot >= 0; dot = d.indexOf('.', dot + 1)) {
            Destination parent = routes.get(d.substring(dot));
            if (parent != null) return parent;
        }
        Destination any = routes.get("*");
        if (any != null) return any;
        String name = d;
        return smarthost.orElseGet(() -> Destination.mx(name));
    }
}
