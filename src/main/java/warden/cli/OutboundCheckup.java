package warden.cli;

import warden.cli.DoctorCommand.Item;
import warden.config.WardenConfig;
import warden.dns.ClientIdentity;
import warden.dns.Resolver;
import warden.mail.Cidr;
import warden.mail.IpText;
import warden.outbound.Destination;
import warden.outbound.HopResolver;
import warden.outbound.MxHopResolver;
import warden.outbound.PasswdClient;
import warden.outbound.Router;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The outbound half of {@code warden doctor}: our greeting and address as the servers we deliver
 * to see them (seeds 000 and 001), the way the queue will actually send.
 *
 * <ol>
 * <li>the HELO name: {@code hostname}, which every outbound EHLO uses, bounces included, is a
 *     name to greet with ({@link WardenConfig#outboundProblem()});
 * <li>where mail for other domains goes: MX, a {@code "*"} route or the smarthost (with whether
 *     {@code smarthost_credentials} has an entry for it);
 * <li>the source address: a UDP socket connected toward the first route or smarthost address, or
 *     toward a public address for MX delivery (IPv4 and IPv6), which makes the kernel choose the
 *     source it would use for SMTP without sending a packet;
 * <li>for the address the receiver sees (the source, or {@code --public-ip} behind NAT): the
 *     hostname's A/AAAA includes it, its PTR names the hostname;
 * <li>Warden's own client and HELO checks, as another Warden would run them on us, accept
 *     {@code EHLO hostname} from that address.
 * </ol>
 * A private source address (RFC 1918, RFC 6598, ULA) on the way to the Internet says nothing about
 * what receivers see: IPv4 is then "unsure" until {@code --public-ip} names the NAT's address; an
 * IPv6 source that is not global means the queue's IPv6 attempts will not get through and IPv4
 * is used, which is noted.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.1 (EHLO with our FQDN), RFC 1918, RFC 6598, RFC 4193 (private ranges).
 *
 * <p>Not done: a real connection to a receiver (a port 25 probe); which of several interfaces a
 * specific MX would be reached through (the public probe stands for all of them).
 */
final class OutboundCheckup {

    /** Where MX delivery's source address is found toward: the documentation ranges, routed like any public address. */
    static final InetAddress PUBLIC_V4 = Cidr.literal("192.0.2.1");
    static final InetAddress PUBLIC_V6 = Cidr.literal("2001:db8::1");

    private static final List<Cidr> PRIVATE = List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("100.64.0.0/10"), Cidr.parse("fc00::/7"));

    private OutboundCheckup() {}

    /** The items, and a summary for the JSON ({@code helo_name}, {@code destination}, {@code sources}). */
    record Result(List<Item> items, Map<String, Object> summary) {}

    static Result examine(WardenConfig c, Resolver resolver, Optional<InetAddress> publicIp) {
        List<Item> items = new ArrayList<>();
        Map<String, Object> summary = new LinkedHashMap<>();
        String host = c.hostname();
        summary.put("enabled", c.outbound());
        if (!c.outbound()) {
            items.add(new Item("outbound", "ok", "outbound: false: this host delivers no mail to other hosts", ""));
            return new Result(items, summary);
        }
        summary.put("helo_name", host);
        items.add(c.outboundProblem()
                .map(why -> new Item("outbound-helo-name", "fail", why, warden.outbound.OutboundIdentity.FIX))
                .orElse(new Item("outbound-helo-name", "ok", "the queue greets with EHLO " + host + ", bounces included", "")));

        Destination d = Router.from(c).route("doctor.invalid"); // RFC 2606: in no route but "*"
        summary.put("destination", d.byMx() ? "MX of each recipient domain" : d.key());
        summary.put("router", d.router());
        List<InetSocketAddress> targets = new ArrayList<>();
        if (d.byMx()) {
            items.add(new Item("outbound-route", "ok", "mail for other domains goes to their MX hosts (R=dnslookup)", ""));
            targets.add(new InetSocketAddress(PUBLIC_V6, 25));
            targets.add(new InetSocketAddress(PUBLIC_V4, 25));
        } else {
            route(c, resolver, d, items).ifPresent(targets::add);
        }

        List<String> sources = new ArrayList<>();
        for (InetSocketAddress target : targets) {
            boolean v6 = target.getAddress() instanceof Inet6Address;
            String family = v6 ? "IPv6" : "IPv4";
            Optional<InetAddress> source = sourceToward(target);
            if (source.isEmpty()) {
                items.add(d.byMx() && v6
                        ? new Item("outbound-source", "ok", "no IPv6 route: MX hosts are reached over IPv4", "")
                        : new Item("outbound-source", "fail", "no route toward " + IpText.of(target.getAddress())
                        + ": the queue cannot connect", "check the network (default route) or the route/smarthost address"));
                continue;
            }
            sources.add(IpText.of(source.get()));
            Optional<InetAddress> given = publicIp.filter(p -> (p instanceof Inet6Address) == v6);
            if (given.isEmpty() && d.byMx() && !global(source.get())) {
                items.add(v6
                        ? new Item("outbound-source", "ok", "the IPv6 source " + IpText.of(source.get()) + " is not a global"
                        + " address: the queue's IPv6 attempts will not get through, and MX hosts are reached over IPv4", "")
                        : new Item("outbound-source", "unsure", "the queue sends from " + IpText.of(source.get())
                        + ", a private address: receivers see the address of the NAT in front of it",
                        "run 'warden doctor --public-ip <the NAT's public address>'"));
                continue;
            }
            InetAddress seen = given.orElse(source.get());
            items.add(new Item("outbound-source", "ok", "the queue connects (" + family + ") from " + IpText.of(source.get())
                    + given.map(p -> "; receivers see " + IpText.of(p) + " (--public-ip)").orElse(""), ""));
            items.add(forwardDns(resolver, seen, host));
            items.add(DoctorCommand.reverseDns("outbound-reverse-dns", resolver, seen, host));
            items.add(DoctorCommand.heloAsReceiverSeesIt("outbound-helo", c, resolver, seen, host,
                    Optional.of(ClientIdentity.lookup(resolver, seen))));
        }
        summary.put("sources", sources);
        return new Result(items, summary);
    }

    /** A route or the smarthost: where it leads (its first address) and, for the smarthost, its credentials. */
    private static Optional<InetSocketAddress> route(WardenConfig c, Resolver resolver, Destination d, List<Item> items) {
        String what = (d.router().equals(Destination.SMARTHOST) ? "the smarthost " : "the \"*\" route to ") + d.key();
        if (d.authenticate()) {
            String hop = d.hops().get(0).host();
            boolean found = PasswdClient.from(c, java.time.Clock.systemUTC()).lookup(hop).isPresent();
            items.add(new Item("outbound-credentials", found ? "ok" : "fail", found
                    ? c.smarthostCredentials().orElseThrow() + " has credentials for " + hop
                    : c.smarthostCredentials().orElseThrow() + " has no line for " + hop + ": mail to the smarthost waits",
                    found ? "" : "add '" + hop + ":login:password' to " + c.smarthostCredentials().orElseThrow()));
        }
        var resolution = new MxHopResolver(resolver, Set.of(c.hostname()), Components.interfaceAddresses()).resolve(d);
        return switch (resolution) {
            case HopResolver.Candidates cs -> {
                HopResolver.Candidate first = cs.candidates().get(0);
                items.add(new Item("outbound-route", "ok", "mail for other domains goes to " + what + " (R=" + d.router()
                        + "), first " + first.host() + " [" + IpText.of(first.address()) + "]:" + first.port(), ""));
                yield Optional.of(new InetSocketAddress(first.address(), first.port()));
            }
            case HopResolver.TempFail t -> {
                items.add(new Item("outbound-route", "unsure", what + ": " + t.text(), "check DNS and try again"));
                yield Optional.empty();
            }
            case HopResolver.Fail f -> {
                items.add(new Item("outbound-route", "fail", what + ": " + f.text(), "correct routes/smarthost"));
                yield Optional.empty();
            }
        };
    }

    private static Item forwardDns(Resolver resolver, InetAddress seen, String host) {
        var a = resolver.hostAddresses(host);
        if (a.values().contains(seen)) {
            return new Item("outbound-forward-dns", "ok", host + " resolves to " + IpText.of(seen), "");
        }
        if (!a.complete()) {
            return new Item("outbound-forward-dns", "unsure", "could not resolve " + host + " now: " + a.failure(), "try again");
        }
        return new Item("outbound-forward-dns", "fail", host + " does not resolve to " + IpText.of(seen)
                + (a.values().isEmpty() ? " (no A/AAAA at all)" : " (it resolves to "
                + String.join(", ", a.values().stream().map(IpText::of).toList()) + ")"),
                "add " + IpText.of(seen) + " to the " + (seen instanceof Inet6Address ? "AAAA" : "A") + " records of " + host);
    }

    /**
     * The source address the kernel picks toward {@code target}: a connected UDP socket, no packet
     * sent. Empty when there is no route.
     */
    static Optional<InetAddress> sourceToward(InetSocketAddress target) {
        try (DatagramSocket s = new DatagramSocket(null)) {
            s.connect(target);
            InetAddress local = s.getLocalAddress();
            return local == null || local.isAnyLocalAddress() ? Optional.empty() : Optional.of(local);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether receivers on the Internet could see {@code a} itself: not loopback, link-local or a private range. */
    static boolean global(InetAddress a) {
        return !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isSiteLocalAddress() && !a.isAnyLocalAddress()
                && PRIVATE.stream().noneMatch(n -> n.contains(a));
    }
}
