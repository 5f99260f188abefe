package warden.bench;

import warden.dns.DnsjavaResolver;
import warden.dns.Resolver;
import warden.policy.Decision;
import warden.policy.DialoguePolicy;
import warden.policy.FrontLines;
import warden.policy.OwnIdentity;
import warden.policy.PolicyEngine;
import warden.policy.PolicySession;
import warden.policy.PolicySettings;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;
import warden.policy.dnsbl.DnsList;
import warden.policy.dnsbl.DnsLists;
import warden.dns.ClientIdentity;
import warden.testing.TestDnsServer;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The latency the DNSBL stage adds to an RCPT decision, with the resolver's cache warm: the same
 * clients are decided once to fill the cache, then timed, without lists and with 1, 2 and 3 zones
 * served by a {@link TestDnsServer} on loopback. Each timed decision is a new connection's first
 * RCPT, so the per-connection memo does not hide the lookups; a third of the clients are listed
 * once (a header), none reach the threshold. Not a test; run by {@code bench/dnsbl.sh}.
 *
 * <p>Arguments: optionally the number of distinct clients (2000) and of timed rounds (5).
 */
public final class DnsblBench {

    private static final OwnIdentity US = OwnIdentity.of("mx.bench.test", Set.of("bench.test"), Set.of());

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> zones = List.of("bl1.bench.test", "bl2.bench.test", "bl3.bench.test");
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.ttl(3600).negativeTtl(3600);
            for (int n = 0; n < clients; n += 3) {
                dns.a(DnsList.of(zones.get(n % 3)).query(client(n)), "127.0.0.2");
            }
            Resolver resolver = new DnsjavaResolver(List.of(dns.address()), Duration.ofSeconds(2), 1, 100_000,
                    Clock.systemUTC());
            System.out.printf("%d clients, %d timed rounds, RCPT decision time with a warm resolver cache%n", clients, rounds);
            for (int lists = 0; lists <= zones.size(); lists++) {
                List<DnsList> configured = zones.subList(0, lists).stream().map(DnsList::of).toList();
                FrontLines lines = FrontLines.none(resolver)
                        .withDnsLists(new DnsLists(2, configured, List.of(), resolver, line -> { }));
                PolicyEngine engine = new DialoguePolicy(PolicySettings.defaults(US), resolver, line -> { }, lines);
                run(engine, clients); // warm-up: fills the cache, warms the JIT
                long[] times = new long[clients * rounds];
                int i = 0;
                for (int r = 0; r < rounds; r++) {
                    for (int n = 0; n < clients; n++) times[i++] = rcpt(engine, n);
                }
                Arrays.sort(times);
                System.out.printf("%d DNSBL zone(s): median %6.1f us  p90 %6.1f us  p99 %7.1f us  max %8.1f us%n", lists,
                        times[times.length / 2] / 1e3, times[times.length * 9 / 10] / 1e3,
                        times[times.length * 99 / 100] / 1e3, times[times.length - 1] / 1e3);
            }
            System.out.printf("DNS queries answered by the server in all: %d (the rest came from the cache)%n", dns.totalQueries());
        }
    }

    private static void run(PolicyEngine engine, int clients) {
        for (int n = 0; n < clients; n++) rcpt(engine, n);
    }

    /** One connection up to its first RCPT; returns the nanoseconds the RCPT decision took. */
    private static long rcpt(PolicyEngine engine, int n) {
        InetAddress ip = client(n);
        Optional<ClientIdentity> id = Optional.of(new ClientIdentity(ip, List.of("mail" + n + ".sender.test"),
                Optional.of("mail" + n + ".sender.test"), false));
        PolicySession p = engine.open(ip);
        p.decide(snapshot(Stage.MAIL, ip, id, Optional.empty()));
        long start = System.nanoTime();
        Decision d = p.decide(snapshot(Stage.RCPT, ip, id, Optional.of("bob@bench.test")));
        long took = System.nanoTime() - start;
        if (d.refusal().isPresent()) throw new IllegalStateException("unexpected refusal: " + d.refusal().get());
        return took;
    }

    private static SessionSnapshot snapshot(Stage stage, InetAddress ip, Optional<ClientIdentity> id, Optional<String> rcpt) {
        return new SessionSnapshot(stage, ip, 40000, ip, id, Optional.of("EHLO"), Optional.of("mail.sender.test"),
                Optional.empty(), false, false, Optional.of("alice@sender.test"), List.of(), rcpt, Optional.empty());
    }

    private static InetAddress client(int n) {
        try {
            return InetAddress.getByAddress(new byte[]{(byte) 198, 51, (byte) (100 + (n >> 8) % 20), (byte) n});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
