package warden.policy.dnsbl;

import warden.mail.IpText;
import warden.dns.DnsAnswer;
import warden.dns.Resolver;
import warden.policy.Check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The configured DNS whitelists and blacklists, and how a client is looked up in them
 * ({@code dnsbl.threshold}, {@code dnsbl.lists}, {@code dnswl.lists}).
 *
 * <p>The whitelists are asked first; a listing there exempts the client from the blacklists (and,
 * in the engine, from greylisting), so no blacklist is asked. The blacklists are then asked all at
 * once, one virtual thread each, and the answers added up as they come: once the weights reach the
 * threshold the remaining lookups are abandoned (the seed's "this prevents unnecessary lookups in
 * case the threshold has already been reached", without its one-after-the-other latency). The TXT
 * record of a listing is fetched for the reply text.
 *
 * <p>Nothing temporary counts: a timeout or SERVFAIL, a refusal code, an answer outside
 * 127.0.0.0/8 is logged and the list treated as silent (Exim's default {@code exclude_unknown}),
 * so a DNS problem can never refuse mail.
 *
 * <p>Answers are cached by the {@link Resolver} across connections (by their TTL); the engine
 * asks once per connection.
 *
 * <h2>Standards</h2>
 * RFC 5782 sections 2 (query names, TXT) and 5 (test entries).
 *
 * <p>It does not self-test zones (RFC 5782 section 5's 127.0.0.2 and 127.0.0.1 probes) yet, nor
 * query domain-based lists (RHSBL).
 */
public final class DnsLists {

    /** The seed's threshold: "we don't want to give any single DNS blacklist the power to decide what we accept". */
    public static final int DEFAULT_THRESHOLD = 2;

    private final int threshold;
    private final List<DnsList> blacklists;
    private final List<DnsList> whitelists;
    private final Resolver resolver;
    private final Consumer<String> log;

    /**
     * @param threshold the score at which a client is refused (1 or more)
     * @param blacklists the blacklists, in the order their listings are reported
     * @param whitelists the whitelists; any listing exempts
     * @param resolver where the questions go
     * @param log where failed lookups and refusal codes are reported
     */
    public DnsLists(int threshold, List<DnsList> blacklists, List<DnsList> whitelists, Resolver resolver,
                    Consumer<String> log) {
        if (threshold < 1) throw new IllegalArgumentException("dnsbl.threshold must be 1 or more, not " + threshold);
        this.threshold = threshold;
        this.blacklists = List.copyOf(blacklists);
        this.whitelists = List.copyOf(whitelists);
        this.resolver = resolver;
        this.log = log;
    }

    /** No lists at all. */
    public static DnsLists none(Resolver resolver) {
        return new DnsLists(DEFAULT_THRESHOLD, List.of(), List.of(), resolver, line -> { });
    }

    public boolean isEmpty() { return blacklists.isEmpty() && whitelists.isEmpty(); }

    public int threshold() { return threshold; }

    public List<DnsList> blacklists() { return blacklists; }

    public List<DnsList> whitelists() { return whitelists; }

    /** Looks {@code client} up in the whitelists, then (unless whitelisted) in the blacklists. Never throws. */
    public DnsListReport lookup(InetAddress client) {
        List<String> problems = new ArrayList<>();
        Optional<Listing> white = ask(whitelists, client, 1, problems).stream().findFirst();
        List<Listing> listings = white.isPresent() ? List.of() : ask(blacklists, client, threshold, problems);
        int score = listings.stream().mapToInt(l -> l.list().weight()).sum();
        for (String p : problems) log.accept("dns list " + IpText.bracketed(client) + " " + p);
        return new DnsListReport(white, listings, score, threshold, blacklists.size(), problems);
    }

    /** The listings of {@code client} in {@code lists}, asked in parallel, until their weights reach {@code enough}. */
    private List<Listing> ask(List<DnsList> lists, InetAddress client, int enough, List<String> problems) {
        if (lists.isEmpty()) return List.of();
        List<Listing> found = new ArrayList<>();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            CompletionService<Answer> answers = new ExecutorCompletionService<>(threads);
            for (DnsList list : lists) answers.submit(() -> ask(list, client));
            int score = 0;
            for (int i = 0; i < lists.size() && score < enough; i++) {
                Answer a;
                try {
                    a = answers.take().get();
                } catch (ExecutionException e) {
                    problems.add("lookup failed: " + e.getCause());
                    continue;
                }
                a.problem().ifPresent(problems::add);
                if (a.listing().isPresent()) {
                    found.add(a.listing().get());
                    score += a.listing().get().list().weight();
                }
            }
        } catch (InterruptedException e) {
            // A shutdown: what has been found stands; the rest is not counted.
            Thread.currentThread().interrupt();
            problems.add("lookups interrupted");
        } finally {
            // Lookups still running are abandoned, not waited for: their answers are no longer
            // needed. Not interrupted either: the resolver shares a question in flight between
            // callers (and caches its answer), so an interrupt here would fail another
            // connection's lookup of the same name. They end by the resolver's timeout at worst.
            threads.shutdown();
        }
        found.sort(Comparator.comparingInt(l -> lists.indexOf(l.list())));
        return found;
    }

    private record Answer(Optional<Listing> listing, Optional<String> problem) {}

    private Answer ask(DnsList list, InetAddress client) {
        String name = list.query(client);
        DnsAnswer<InetAddress> a = resolver.a(name);
        return switch (a) {
            case DnsAnswer.NotFound<InetAddress> n -> new Answer(Optional.empty(), Optional.empty());
            case DnsAnswer.TempFail<InetAddress> t -> new Answer(Optional.empty(),
                    Optional.of(list.zone() + ": temporary DNS failure (" + t.reason() + "); not counted"));
            case DnsAnswer.Found<InetAddress> f -> {
                for (InetAddress code : f.values()) {
                    Optional<String> refusal = ReturnCodes.refusal(code);
                    if (refusal.isPresent()) {
                        yield new Answer(Optional.empty(), Optional.of(list.zone() + " answered " + IpText.of(code)
                                + ", " + refusal.get() + "; not counted"));
                    }
                }
                List<InetAddress> counted = f.values().stream().filter(list.codes()::matches).toList();
                if (counted.isEmpty()) yield new Answer(Optional.empty(), Optional.empty());
                String text = String.join(" ", resolver.txt(name).valuesOrEmpty());
                yield new Answer(Optional.of(new Listing(list, counted, Check.oneLine(text))), Optional.empty());
            }
        };
    }
}
