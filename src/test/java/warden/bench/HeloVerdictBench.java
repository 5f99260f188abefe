package warden.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import warden.dns.ClientIdentity;
import warden.dns.DnsAnswer;
import warden.dns.DnsjavaResolver;
import warden.dns.MxHost;
import warden.dns.Resolver;
import warden.policy.Action;
import warden.policy.Decision;
import warden.policy.DialoguePolicy;
import warden.policy.OwnIdentity;
import warden.policy.PolicySettings;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;
import warden.policy.helo.HeloResolvesToUs;
import warden.policy.helo.HeloUnresolvable;
import warden.policy.helo.HeloUnverified;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * HELO verdicts per second through the real policy engine ({@link DialoguePolicy} with the
 * default policy): each operation opens the policy state of one connection and decides its
 * EHLO, cycling through a mix of sixteen greetings (good names, bare IPs, literals, localhost,
 * our own name and domain, dynamic-looking names, single labels, misplaced dots, bad syntax,
 * an empty EHLO). Not a test; run by {@code bench/helo-jmh.sh}.
 *
 * <p>Two settings of {@code dns}:
 * <ul>
 *   <li>{@code off}: the three checks that ask DNS ({@code helo-unresolvable},
 *       {@code helo-unverified}, {@code helo-resolves-to-us}) are set to {@code pass}, so the
 *       engine does not run them; the resolver counts calls and the run fails if it is asked
 *       anything. Every other HELO check runs as configured by default.</li>
 *   <li>{@code warm-cache}: every check on, through the real {@link DnsjavaResolver} and its
 *       real answer cache, filled before measuring from a real DNS server on 127.0.0.1; the clock
 *       is frozen so nothing expires. The run fails if the server is asked anything while measuring.</li>
 * </ul>
 * The client's own identity (PTR, FCrDNS) is in the snapshot, as the SMTP session gives it (it is
 * looked up at connect, not at HELO). Log lines are built (that is the engine's cost) but not written.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HeloVerdictBench {

    /** One client and its greeting. */
    private record Greeting(String client, String ptrName, boolean confirmed, String helo) {}

    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private static final String OUR_ADDRESS = "198.51.100.25";

    private static final List<Greeting> MIX = List.of(
            new Greeting("203.0.113.9", "mail.example.net", true, "mail.example.net"),            // good FQDN
            new Greeting("203.0.113.20", "mx0.slc.example.com", true, "mx1.slc.example.com"),     // good, pool sibling
            new Greeting("203.0.113.9", "mail.example.net", true, "203.0.113.9"),                 // bare IP
            new Greeting("203.0.113.9", "mail.example.net", true, "[203.0.113.9]"),               // literal, matching
            new Greeting("203.0.113.9", "mail.example.net", true, "[192.0.2.1]"),                 // literal, mismatch
            new Greeting("2001:db8::9", "v6.example.net", true, "[IPv6:2001:db8::9]"),            // IPv6 literal
            new Greeting("192.0.2.77", null, false, "localhost"),                                 // default name
            new Greeting("192.0.2.78", null, false, "mx.warden.test"),                           // our host name
            new Greeting("192.0.2.79", null, false, "warden.test"),                              // our domain
            new Greeting("192.0.2.80", null, false, "pc12.warden.test"),                         // our subdomain
            new Greeting("198.18.7.41", "host-7-41.isp.example", false, "198-18-7-41.dyn.example.org"), // embedded IP
            new Greeting("192.0.2.81", null, false, "yq3H9cDKgS"),                               // not a FQDN
            new Greeting("203.0.113.9", "mail.example.net", true, "mail.example.net."),           // trailing dot
            new Greeting("192.0.2.82", null, false, "mail..example.org"),                         // empty label
            new Greeting("192.0.2.83", null, false, "mail_server!.example.org"),                  // bad syntax
            new Greeting("192.0.2.84", null, false, ""));                                         // empty EHLO

    /** Whether the DNS checks are off or answered from a warm cache; see the class comment. */
    @Param({"off", "warm-cache"})
    public String dns;

    private DialoguePolicy policy;
    private InetAddress[] clients;
    private SessionSnapshot[] snapshots;
    private int next;
    private long ops;
    private long cpuAtStart;
    private long opsAtStart;
    private final List<Double> perCpuSecond = new ArrayList<>();
    private final AtomicLong logged = new AtomicLong();
    private TestDnsServer server;
    private CountingResolver noDns;

    @Setup(Level.Trial)
    public void setUp() {
        OwnIdentity us = OwnIdentity.of("mx.warden.test", Set.of("warden.test"), Set.of(ip(OUR_ADDRESS)));
        PolicySettings settings = PolicySettings.defaults(us);
        Resolver resolver;
        if (dns.equals("off")) {
            settings = settings.withAction(HeloUnresolvable.NAME, Action.PASS)
                    .withAction(HeloUnverified.NAME, Action.PASS)
                    .withAction(HeloResolvesToUs.NAME, Action.PASS);
            noDns = new CountingResolver();
            resolver = noDns;
        } else if (dns.equals("warm-cache")) {
            server = zone(TestDnsServer.start());
            resolver = new DnsjavaResolver(List.of(server.address()), Duration.ofSeconds(2), 1, 10_000, new TestClock());
        } else {
            throw new IllegalArgumentException("dns must be off or warm-cache: " + dns);
        }
        policy = new DialoguePolicy(settings, resolver, line -> logged.addAndGet(line.length()));

        clients = new InetAddress[MIX.size()];
        snapshots = new SessionSnapshot[MIX.size()];
        for (int i = 0; i < MIX.size(); i++) {
            Greeting g = MIX.get(i);
            InetAddress client = ip(g.client());
            ClientIdentity identity = g.ptrName() == null
                    ? new ClientIdentity(client, List.of(), Optional.empty(), false)
                    : new ClientIdentity(client, List.of(g.ptrName()), g.confirmed() ? Optional.of(g.ptrName()) : Optional.empty(), false);
            clients[i] = client;
            snapshots[i] = new SessionSnapshot(Stage.HELO, client, 40000, ip(OUR_ADDRESS), Optional.of(identity),
                    Optional.of("EHLO"), Optional.of(g.helo()), Optional.empty(), false, false, Optional.empty(),
                    List.of(), Optional.empty(), Optional.empty());
        }
        // One pass before measuring: fills the DNS cache, and shows what the engine makes of the mix.
        List<String> table = new ArrayList<>();
        for (int i = 0; i < MIX.size(); i++) {
            Decision d = policy.open(clients[i]).decide(snapshots[i]);
            table.add(String.format("  %-30s from %-12s -> %-8s delay %3ds  %s", '"' + MIX.get(i).helo() + '"', MIX.get(i).client(),
                    d.refusal().map(r -> String.valueOf(r.code())).orElse("continue"), d.delay().toSeconds(),
                    d.findings().stream().filter(f -> f.outcome() != warden.policy.Finding.Outcome.PASS
                            && f.outcome() != warden.policy.Finding.Outcome.SKIP)
                            .map(f -> f.check() + ":" + f.outcome().name().toLowerCase()).toList()));
        }
        if (server != null) server.resetCounters();
        System.out.println("\nHELO mix (dns=" + dns + "), verdict at EHLO under the default policy (refusals are held until RCPT):");
        table.forEach(System.out::println);
    }

    @Setup(Level.Iteration)
    public void iterationStarts() {
        cpuAtStart = CPU.getCurrentThreadCpuTime();
        opsAtStart = ops;
    }

    /**
     * Verdicts per second of this thread's CPU time: the machine may be shared, and then the
     * wall-clock score JMH reports is what the thread got, not what a core can do.
     */
    @TearDown(Level.Iteration)
    public void iterationEnds() {
        long cpu = CPU.getCurrentThreadCpuTime() - cpuAtStart;
        if (cpu > 0) perCpuSecond.add((ops - opsAtStart) * 1e9 / cpu);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        // The first iterations are JMH's warmups; the figure that counts is the measured ones'.
        System.out.println(String.format("verdicts per CPU-second of the benchmark thread, per iteration: %s",
                perCpuSecond.stream().map(v -> String.format("%,.0f", v)).toList()));
        if (server != null) {
            int asked = server.totalQueries();
            server.close();
            if (asked > 0) throw new IllegalStateException("the DNS server was asked " + asked + " questions while measuring: the cache was not warm");
            System.out.println("DNS server asked 0 questions while measuring: every answer came from the cache");
        }
        if (noDns != null && noDns.calls.get() > 0) {
            throw new IllegalStateException("the resolver was asked " + noDns.calls.get() + " questions with dns=off");
        }
        System.out.println("log characters built: " + logged.get());
    }

    /** Opens one connection's policy state and decides its EHLO. */
    @Benchmark
    public Decision heloVerdict() {
        ops++;
        int i = next;
        next = i + 1 == snapshots.length ? 0 : i + 1;
        return policy.open(clients[i]).decide(snapshots[i]);
    }

    /** The zone the warm-cache run fills its cache from. */
    private static TestDnsServer zone(TestDnsServer s) {
        return s.ttl(86_400).a("mail.example.net", "203.0.113.9").ptr(ip("203.0.113.9"), "mail.example.net")
                .aaaa("v6.example.net", "2001:db8::9").ptr(ip("2001:db8::9"), "v6.example.net")
                .a("mx0.slc.example.com", "203.0.113.20").ptr(ip("203.0.113.20"), "mx0.slc.example.com")
                .a("mx1.slc.example.com", "203.0.113.21").ptr(ip("203.0.113.21"), "mx1.slc.example.com")
                .a("mx.warden.test", OUR_ADDRESS).mx("warden.test", 10, "mx.warden.test")
                .ptr(ip("198.18.7.41"), "host-7-41.isp.example");
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** A resolver for dns=off: answers NotFound and counts, so a question asked shows in the result. */
    private static final class CountingResolver implements Resolver {
        final AtomicLong calls = new AtomicLong();

        private <T> DnsAnswer<T> none() {
            calls.incrementAndGet();
            return new DnsAnswer.NotFound<>(true);
        }

        @Override public DnsAnswer<InetAddress> a(String name) { return none(); }
        @Override public DnsAnswer<InetAddress> aaaa(String name) { return none(); }
        @Override public DnsAnswer<InetAddress> addresses(String name) { return none(); }
        @Override public DnsAnswer<String> ptr(InetAddress address) { return none(); }
        @Override public DnsAnswer<String> txt(String name) { return none(); }
        @Override public DnsAnswer<MxHost> mx(String domain) { return none(); }
    }
}
