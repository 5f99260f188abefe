package warden.dns;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The {@link Resolver} of a running server: asks recursive DNS servers over UDP (TCP when an answer
 * is truncated) with dnsjava, and caches their answers.
 *
 * <p>Each question goes to the configured servers in order, each tried {@code 1 + retries} times on
 * timeout or network error; a SERVFAIL or REFUSED moves on to the next server without a retry. The
 * first NOERROR or NXDOMAIN response decides. The worst case for one uncached question is therefore
 * {@code servers × (1 + retries) × timeout}. dnsjava's {@code SimpleResolver} is used directly: its
 * {@code Lookup} class would add a process-wide cache and search-list expansion we do not want.
 *
 * <p>The cache holds at most {@code cacheEntries} questions, least recently used out first:
 * <ul>
 * <li>found records for the smallest TTL in the answer (at most one hour);
 * <li>NXDOMAIN and no-data answers for the smaller of the SOA TTL and SOA MINIMUM from the authority
 *     section (at most one hour), or 30 seconds when the server sent no SOA;
 * <li>temporary failures for {@value #TEMP_FAIL_SECONDS} seconds. Not caching them would make every
 *     connection from a burst wait the full timeout again while a server is down, tying up a session
 *     each for up to {@code servers × (1 + retries) × timeout}; caching them longer would keep a
 *     policy deferring mail after the server has recovered. A few seconds absorbs the burst.
 * </ul>
 * Concurrent questions that are the same share one query in flight. Expiry reads the injected
 * {@link Clock}. No lock is held during network I/O, and there is no {@code synchronized}, so
 * thousands of virtual threads may ask at once without pinning their carriers.
 *
 * <p>Names are accepted with or without the trailing dot and returned without it, in lower case. A
 * name that cannot exist in DNS (an empty label, a label over 63 octets, over 255 octets in all) is
 * answered {@code NotFound(nxdomain=true)} without a query. A null MX (RFC 7505) comes back as
 * {@code MxHost(0, "")}.
 *
 * <h2>Standards</h2>
 * RFC 1035 (messages, UDP limit), RFC 7766 (TCP after truncation), RFC 2181 section 5.2 (RRset TTL),
 * RFC 2308 (negative caching), RFC 3596 (AAAA and ip6.arpa), RFC 5321 section 4.2 and 5.1 (a DNS
 * failure is temporary; MX order), RFC 6891 (EDNS with a 1232-octet buffer, as of DNS Flag Day 2020).
 *
 * <p>It does not recurse itself, validate DNSSEC, apply the search list of resolv.conf, follow DNAME,
 * or pick a random order among MX records of equal preference (the caller may).
 *
 * @see ClientIdentity#lookup(Resolver, InetAddress)
 */
public final class DnsjavaResolver implements Resolver {

    /** Timeout of one attempt at one server. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** Retries per server after the first attempt times out. */
    public static final int DEFAULT_RETRIES = 2;
    /** Questions kept in the cache. */
    public static final int DEFAULT_CACHE_ENTRIES = 10_000;
    /** How long a temporary failure is cached; see the class comment. */
    static final int TEMP_FAIL_SECONDS = 5;
    /** DNS Flag Day 2020: a buffer that avoids IP fragmentation on nearly every path. */
    private static final int EDNS_PAYLOAD = 1232;
    private static final int MAX_NAMES_PER_PTR = 100;

    private static final Logger LOG = LoggerFactory.getLogger(DnsjavaResolver.class);

    private final List<SimpleResolver> servers;
    private final int retries;
    private final AnswerCache cache;
    private final ConcurrentMap<Question, CompletableFuture<DnsAnswer<Record>>> inFlight =
            new ConcurrentHashMap<>();

    /**
     * A resolver asking {@code servers} in order.
     *
     * @param servers the recursive servers; empty means those of the system (resolv.conf)
     * @param timeout how long one attempt at one server may take, TCP retry included
     * @param retries further attempts at a server after a timeout or network error ({@code >= 0})
     * @param cacheEntries questions kept in the cache ({@code 0} turns caching off)
     * @param clock the time source for cache expiry
     */
    public DnsjavaResolver(List<InetSocketAddress> servers, Duration timeout, int retries, int cacheEntries,
                           Clock clock) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
        }
        if (retries < 0) throw new IllegalArgumentException("DNS retries must be >= 0: " + retries);
        List<InetSocketAddress> addresses = servers.isEmpty() ? systemServers() : List.copyOf(servers);
        this.servers = addresses.stream().map(address -> simpleResolver(address, timeout)).toList();
        this.retries = retries;
        this.cache = new AnswerCache(cacheEntries, clock);
    }

    /** A resolver with the default timeout, retries and cache size; empty {@code servers} means the system's. */
    public static DnsjavaResolver withDefaults(List<InetSocketAddress> servers, Clock clock) {
        return new DnsjavaResolver(servers, DEFAULT_TIMEOUT, DEFAULT_RETRIES, DEFAULT_CACHE_ENTRIES, clock);
    }

    /** A resolver using the system's servers, the default settings and the system clock. */
    public static DnsjavaResolver system() {
        return withDefaults(List.of(), Clock.systemUTC());
    }

    private static List<InetSocketAddress> systemServers() {
        List<InetSocketAddress> found = ResolverConfig.getCurrentConfig().servers();
        // XXX With no resolv.conf at all, fall back to a resolver on this host, as the C library does.
        return found.isEmpty() ? List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53)) : found;
    }

    private static SimpleResolver simpleResolver(InetSocketAddress address, Duration timeout) {
        SimpleResolver resolver = new SimpleResolver(address);
        resolver.setTimeout(timeout);
        resolver.setEDNS(0, EDNS_PAYLOAD, 0, List.of());
        return resolver;
    }

    // ----- the Resolver questions -----

    @Override
    public DnsAnswer<InetAddress> a(String name) {
        return ask(name, Type.A, r -> address(((ARecord) r).getAddress()));
    }

    @Override
    public DnsAnswer<InetAddress> aaaa(String name) {
        return ask(name, Type.AAAA, r -> address(((AAAARecord) r).getAddress()));
    }

    @Override
    public HostAddresses hostAddresses(String name) {
        // Both questions at once: an uncached name then costs one round trip, not two. A cached
        // AAAA answer is read here: a thread per cache hit would cost more than the answer.
        Optional<Name> parsed = parse(name);
        CompletableFuture<DnsAnswer<InetAddress>> asked6 =
                parsed.isPresent() && cache.get(new Question(parsed.get(), Type.AAAA)).isPresent()
                        ? CompletableFuture.completedFuture(aaaa(name))
                        : CompletableFuture.supplyAsync(() -> aaaa(name), task -> Thread.ofVirtual().start(task));
        DnsAnswer<InetAddress> v4 = a(name);
        return new HostAddresses(v4, asked6.join());
    }

    @Override
    public DnsAnswer<String> ptr(InetAddress address) {
        Name reverse = ReverseMap.fromAddress(address);
        DnsAnswer<String> names = ask(new Question(reverse, Type.PTR), r -> hostName(((PTRRecord) r).getTarget()));
        // A hostile zone can return thousands of PTRs; nobody needs more than a handful.
        if (names instanceof DnsAnswer.Found<String> found && found.values().size() > MAX_NAMES_PER_PTR) {
            return new DnsAnswer.Found<>(found.values().subList(0, MAX_NAMES_PER_PTR));
        }
        return names;
    }

    @Override
    public DnsAnswer<String> txt(String name) {
        return ask(name, Type.TXT, r -> {
            var joined = new ByteArrayOutputStream();
            for (byte[] part : ((TXTRecord) r).getStringsAsByteArrays()) joined.writeBytes(part);
            return joined.toString(StandardCharsets.UTF_8);
        });
    }

    @Override
    public DnsAnswer<MxHost> mx(String domain) {
        DnsAnswer<MxHost> hosts = ask(domain, Type.MX, r -> {
            MXRecord mx = (MXRecord) r;
            return new MxHost(mx.getPriority(), hostName(mx.getTarget()));
        });
        if (hosts instanceof DnsAnswer.Found<MxHost> found) {
            // A stable sort keeps the server's order among equal preferences.
            return new DnsAnswer.Found<>(found.values().stream()
                    .sorted(Comparator.comparingInt(MxHost::preference)).toList());
        }
        return hosts;
    }

    // ----- asking, caching, sharing -----

    private <T> DnsAnswer<T> ask(String name, int type, Function<Record, T> value) {
        Optional<Name> parsed = parse(name);
        if (parsed.isEmpty()) return new DnsAnswer.NotFound<>(true);
        return ask(new Question(parsed.get(), type), value);
    }

    private <T> DnsAnswer<T> ask(Question question, Function<Record, T> value) {
        DnsAnswer<Record> answer = answer(question);
        return switch (answer) {
            case DnsAnswer.Found<Record> found -> new DnsAnswer.Found<>(found.values().stream().map(value).toList());
            case DnsAnswer.NotFound<Record> notFound -> new DnsAnswer.NotFound<>(notFound.nxdomain());
            case DnsAnswer.TempFail<Record> failed -> new DnsAnswer.TempFail<>(failed.reason());
        };
    }

    /** The answer from the cache, from a query in flight for the same question, or from a new query. */
    private DnsAnswer<Record> answer(Question question) {
        Optional<DnsAnswer<Record>> cached = cache.get(question);
        if (cached.isPresent()) return cached.get();
        CompletableFuture<DnsAnswer<Record>> mine = new CompletableFuture<>();
        CompletableFuture<DnsAnswer<Record>> theirs = inFlight.putIfAbsent(question, mine);
        if (theirs != null) return theirs.join();
        DnsAnswer<Record> answer = null;
        try {
            // The previous owner may have filled the cache between our look and our claim.
            answer = cache.get(question).orElseGet(() -> queryAndCache(question));
            return answer;
        } catch (RuntimeException e) {
            // A bug or a surprise from dnsjava must not reach the policy as an exception.
            LOG.warn("DNS lookup of {} failed unexpectedly", question, e);
            answer = new DnsAnswer.TempFail<>("internal error: " + e);
            return answer;
        } finally {
            // Completed even when an Error escapes, so that no thread sharing this query waits forever.
            mine.complete(answer != null ? answer : new DnsAnswer.TempFail<>("internal error"));
            inFlight.remove(question, mine);
        }
    }

    private DnsAnswer<Record> queryAndCache(Question question) {
        WireAnswer result = query(question);
        cache.put(question, result.answer(), result.ttl());
        return result.answer();
    }

    /** Asks the servers in order; see the class comment for the retry rules. */
    private WireAnswer query(Question question) {
        Message query = Message.newQuery(Record.newRecord(question.name(), question.type(), DClass.IN));
        String reason = "no DNS server configured";
        boolean[] refused = new boolean[servers.size()];
        for (int attempt = 0; attempt <= retries; attempt++) {
            boolean askedAny = false;
            for (int i = 0; i < servers.size(); i++) {
                if (refused[i]) continue;
                askedAny = true;
                SimpleResolver server = servers.get(i);
                try {
                    Message response = server.send(query);
                    int rcode = response.getRcode();
                    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                        return WireAnswer.read(question, response);
                    }
                    reason = Rcode.string(rcode) + " from " + describe(server) + " for " + question;
                    refused[i] = true;
                } catch (IOException e) {
                    reason = failure(e) + " from " + describe(server) + " for " + question;
                }
            }
            if (!askedAny) break;
        }
        LOG.debug("DNS temporary failure: {}", reason);
        return new WireAnswer(new DnsAnswer.TempFail<>(reason), Duration.ofSeconds(TEMP_FAIL_SECONDS));
    }

    // ----- helpers -----

    private static String failure(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException
                    || String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("timed out")) {
                return "timeout";
            }
        }
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause();
        return "network error (" + root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage()) + ")";
    }

    private static String describe(SimpleResolver server) {
        InetSocketAddress address = server.getAddress();
        return warden.mail.IpText.of(address.getAddress()) + ":" + address.getPort();
    }

    private static Optional<Name> parse(String name) {
        if (name == null || name.isBlank()) return Optional.empty();
        try {
            return Optional.of(Name.fromString(name, Name.root));
        } catch (TextParseException e) {
            return Optional.empty();
        }
    }

    private static String hostName(Name name) {
        return name.toString(true).toLowerCase(Locale.ROOT).replaceFirst("^\\.$", "");
    }

    /** The bare address, without the record name dnsjava attaches as a host name. */
    private static InetAddress address(InetAddress withName) {
        try {
            return InetAddress.getByAddress(withName.getAddress());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address record held a malformed address", e);
        }
    }
}
