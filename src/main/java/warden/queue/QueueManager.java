package warden.queue;

import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.Report;
import warden.dsn.ReportedRecipient;
import warden.dsn.Reports;
import warden.log.Cause;
import warden.outbound.Destination;
import warden.outbound.Outcome;
import warden.outbound.Transport;
import warden.queue.JournalEvent.ReportKind;
import warden.recipient.RecipientVerdict;
import warden.recipient.Route;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The queue manager inside {@code serve}: sends each queued message on as soon as it arrives,
 * retries the deferred ones with backoff, bounces the failed and expired ones, and takes a
 * message out of the queue when nothing is left to do for it.
 *
 * <p><b>Schedule.</b> In memory only {@code (next attempt, id)} per message, so 100 000 queued
 * messages cost a few megabytes; built at start from the envelopes and journals (never the
 * bodies), kept up to date by {@link #arrived} (the store, right after a message is durable:
 * no queue interval), by the attempts themselves, and by the notes {@code warden queue} leaves
 * in {@code spool/control/} (looked at every {@code tick}, 250 ms). Frozen messages are not in
 * the schedule until thawed.
 *
 * <p><b>An attempt</b> runs on its own virtual thread (at most {@value #MAX_ACTIVE} at once): the
 * message's state is read again from its journal; every recipient not yet done and due is routed
 * ({@link warden.recipient.DomainRouter}): ours go to their Maildir ({@link LocalDelivery}), the
 * others are grouped by {@link Destination} and handed to the {@link Transport}, each group
 * holding one of its destination's {@code queue.concurrency_per_destination} permits. Each
 * group's outcomes are appended to the journal with one fdatasync before they are logged, so
 * the only window for a duplicate is between the peer's 250 and that fdatasync (or, for a
 * message every recipient took at the first try, the fsync that removes it: see {@code send}). A deferred
 * recipient waits per {@link Backoff}; one deferred past {@code queue.max_age} fails with
 * {@code 4.4.7 retry timeout exceeded} and its last reply. While the configuration says outbound
 * delivery is off or held ({@code WardenConfig.outboundProblem()}), remote recipients are
 * deferred with that reason and the mail is kept.
 *
 * <p><b>Reports.</b> Failures go to {@link Reports#failure}; the report is queued from {@code <>}
 * with {@code NOTIFY=NEVER} under the id {@code ID-F<first index>}, then the journal says
 * {@code reported-failure}. A crash between the two leaves the report queued and the journal
 * silent: at the next start, before anything is sent, the report is found by its id and the
 * journal line written then (a crash before the report was durable makes it again): no bounce
 * lost, none twice. Likewise success
 * reports ({@code NOTIFY=SUCCESS}, for a local delivery or a peer that did not take DSN on) and,
 * when {@code queue.delay_warning} is set, one delay report per message.
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 4.5.4.1 (retry strategy), 6.1 (deliver or bounce, never lose), 6.2 (never
 * bounce a bounce: the {@link Reports} contract); RFC 3461 section 6 (when reports are due);
 * RFC 3463 X.4.7 (delivery time expired).
 *
 * <p>Not done: per-recipient retry across restarts by host (Exim's retry database: a host that
 * refuses connections is tried again for each message); priorities.
 */
public final class QueueManager implements AutoCloseable {

    /** Attempts in progress at most; further due messages wait their turn. */
    static final int MAX_ACTIVE = 1000;
    private static final Pattern STATUS = Pattern.compile("^[245]\\d\\d ([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    private final Spool spool;
    private final Transport transport;
    private final Function<String, Destination> routes;
    private final Function<String, RecipientVerdict> recipients;
    private final LocalDelivery local;
    private final Reports reports;
    private final QueueSettings settings;
    private final Backoff backoff;
    private final Supplier<Optional<String>> outboundProblem;
    private final DeliveryLog log;
    private final Clock clock;
    private final Duration tick;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final TreeSet<Due> schedule = new TreeSet<>();
    private final Map<String, Instant> when = new HashMap<>();
    private final Set<String> active = new java.util.HashSet<>();
    private final Set<String> again = new java.util.HashSet<>();
    private final ConcurrentHashMap<String, Semaphore> destinations = new ConcurrentHashMap<>();
    private final Semaphore slots = new Semaphore(MAX_ACTIVE);
    private final ExecutorService attempts = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("queue-", 0).factory());
    private volatile boolean closed;
    private volatile boolean scanned;
    private Thread runner;

    private record Due(Instant at, String id) implements Comparable<Due> {
        public int compareTo(Due o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    /**
     * @param spool the spool the store writes into
     * @param transport sends to remote destinations (the SMTP client)
     * @param routes the destination for a recipient domain (routes, smarthost, MX: {@link warden.outbound.Router#route})
     * @param recipients routes a recipient address with relaying allowed
     *        ({@code address -> domainRouter.verify(address, true)})
     * @param local writes a copy into a local mailbox
     * @param reports makes failure, delay and success reports
     * @param settings {@code queue.*}
     * @param outboundProblem why remote delivery must wait now, empty when it may go
     * @param log the main log
     * @param clock the time of attempts and retries
     */
    public QueueManager(Spool spool, Transport transport, Function<String, Destination> routes,
                        Function<String, RecipientVerdict> recipients, LocalDelivery local, Reports reports,
                        QueueSettings settings, Supplier<Optional<String>> outboundProblem, Consumer<String> log,
                        Clock clock) {
        this(spool, transport, routes, recipients, local, reports, settings, outboundProblem, log, clock,
                Duration.ofMillis(250));
    }

    QueueManager(Spool spool, Transport transport, Function<String, Destination> routes,
                 Function<String, RecipientVerdict> recipients, LocalDelivery local, Reports reports,
                 QueueSettings settings, Supplier<Optional<String>> outboundProblem, Consumer<String> log,
                 Clock clock, Duration tick) {
        this.spool = spool;
        this.transport = transport;
        this.routes = routes;
        this.recipients = recipients;
        this.local = local;
        this.reports = reports;
        this.settings = settings;
        this.backoff = new Backoff(settings);
        this.outboundProblem = outboundProblem;
        this.log = new DeliveryLog(log);
        this.clock = clock;
        this.tick = tick;
    }

    /** Reports that never report anything (until the bounce maker is wired in). */
    public static final Reports NO_REPORTS = new Reports() {
        public Optional<Report> failure(QueuedMessage m, List<ReportedRecipient> r) { return Optional.empty(); }
        public Optional<Report> delay(QueuedMessage m, List<ReportedRecipient> r) { return Optional.empty(); }
        public Optional<Report> success(QueuedMessage m, List<ReportedRecipient> r) { return Optional.empty(); }
    };

    /** Scans the spool (in the background) and starts sending. */
    public QueueManager start() {
        try {
            reconcile();
        } catch (IOException | RuntimeException e) {
            log.note("queue: cannot match reports to their messages in " + spool.queue() + ": " + Cause.of(e));
        }
        runner = Thread.ofPlatform().daemon().name("queue-manager").start(this::run);
        return this;
    }

    /** A message was just made durable in the spool: try it now. */
    public void arrived(String id) {
        schedule(id, clock.instant());
    }

    /** Whether the start-up scan is over (tests). */
    boolean scanned() {
        return scanned;
    }

    /** How many messages are in the schedule (not frozen, not in progress). */
    public int scheduled() {
        lock.lock();
        try {
            return when.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        // The scan of what earlier runs left runs beside the schedule: new mail does not wait for it.
        Thread.ofPlatform().daemon().name("queue-scan").start(() -> {
            try {
                scan();
            } catch (Throwable t) {
                log.note("queue: the scan of " + spool.queue() + " stopped: " + Cause.of(t)
                        + "; messages not seen yet wait for the next start");
            }
            scanned = true;
        });
        long nextPoll = 0;
        while (!closed) {
            try {
                if (System.nanoTime() - nextPoll >= 0) {
                    pollControl();
                    nextPoll = System.nanoTime() + tick.toNanos();
                }
                String id = nextDue();
                if (id != null) attempts.submit(() -> attempt(id));
            } catch (Throwable t) {
                // XXX anything (a full disk, an Error) must not stop the queue: note it and go on
                log.note("queue: internal error: " + Cause.of(t));
                sleep(tick);
            }
        }
    }

    /** Takes the first due message off the schedule, or waits (at most one tick) and returns null. */
    private String nextDue() throws InterruptedException {
        lock.lock();
        try {
            Due first = schedule.isEmpty() ? null : schedule.first();
            Instant now = clock.instant();
            if (first != null && !first.at().isAfter(now)) {
                if (active.contains(first.id())) {
                    schedule.pollFirst();
                    when.remove(first.id());
                    again.add(first.id());
                    return null;
                }
                if (slots.tryAcquire()) {
                    schedule.pollFirst();
                    when.remove(first.id());
                    active.add(first.id());
                    return first.id();
                }
            }
            long wait = tick.toNanos();
            if (first != null && first.at().isAfter(now)) {
                wait = Math.min(wait, Math.max(1_000_000, Duration.between(now, first.at()).toNanos()));
            }
            changed.awaitNanos(wait);
            return null;
        } finally {
            lock.unlock();
        }
    }

    private static final Pattern CHILD = Pattern.compile("(.+)-([FSDA])(\\d{1,6})");

    /**
     * Before anything is sent: a report ({@code ID-F3}, {@code -S}, {@code -D}) or forwarded copy
     * ({@code ID-A3}) that is queued while its message's journal does not say so was made just
     * before a crash. The journal line is written now, so the message does not make it a second
     * time, which it would once the first had been sent and left the queue. Only the names in
     * {@code queue/} are listed, and only such pairs read.
     */
    private void reconcile() throws IOException {
        Set<String> ids = new java.util.HashSet<>();
        spool.forEachId(ids::add);
        for (String id : ids) {
            Matcher m = CHILD.matcher(id);
            if (!m.matches() || !ids.contains(m.group(1))) continue;
            String parent = m.group(1);
            int index = Integer.parseInt(m.group(3));
            MessageState st = spool.state(parent);
            Instant now = clock.instant();
            switch (m.group(2)) {
                case "F" -> {
                    if (st.reported().get(ReportKind.FAILURE).contains(index)) break;
                    List<Integer> about = st.failedUnreported().stream().map(QueuedRecipient::index).toList();
                    if (about.contains(index)) spool.append(parent, new JournalEvent.Reported(now, ReportKind.FAILURE, about, id));
                }
                case "S" -> {
                    if (st.reported().get(ReportKind.SUCCESS).contains(index)) break;
                    List<Integer> about = st.successUnreported().stream().map(QueuedRecipient::index).toList();
                    if (about.contains(index)) spool.append(parent, new JournalEvent.Reported(now, ReportKind.SUCCESS, about, id));
                }
                case "D" -> {
                    if (st.delayReported()) break;
                    List<Integer> about = st.recipients().stream().filter(r -> r.state() instanceof RecipientState.Deferred)
                            .map(QueuedRecipient::index).toList();
                    spool.append(parent, new JournalEvent.Reported(now, ReportKind.DELAY, about, id));
                }
                default -> { // A: a copy forwarded by an alias of ours
                    if (index < st.recipients().size() && !st.recipients().get(index).state().done()) {
                        spool.append(parent, new JournalEvent.Delivered(now, index, Optional.empty(), false,
                                "250 forwarded as " + id));
                    }
                }
            }
        }
    }

    /** Schedules every queued message from its envelope and journal; a platform thread, as it is a long run of file reads. */
    private void scan() throws IOException {
        long[] counts = new long[3];
        spool.forEachId(id -> {
            if (closed) return;
            try {
                MessageState st = spool.state(id);
                counts[0]++;
                if (st.frozen()) {
                    counts[1]++;
                    return;
                }
                schedule(id, st.nextAttempt().orElse(st.envelope().arrival()), true);
            } catch (NoSuchFileException gone) {
                // delivered meanwhile
            } catch (IOException e) {
                counts[2]++;
                log.note(id + " cannot be read, left in the queue: " + Cause.of(e));
            }
        });
        if (counts[0] + counts[2] > 0) {
            log.note("queue: " + counts[0] + " messages in " + spool.queue() + " (" + counts[1] + " frozen"
                    + (counts[2] > 0 ? ", " + counts[2] + " unreadable" : "") + ")");
        }
    }

    private void schedule(String id, Instant at) {
        schedule(id, at, true);
    }

    private void schedule(String id, Instant at, boolean earlierOnly) {
        lock.lock();
        try {
            Instant old = when.get(id);
            if (old != null) {
                if (earlierOnly && !at.isBefore(old)) return;
                schedule.remove(new Due(old, id));
            }
            when.put(id, at);
            schedule.add(new Due(at, id));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void unschedule(String id) {
        lock.lock();
        try {
            Instant old = when.remove(id);
            if (old != null) schedule.remove(new Due(old, id));
        } finally {
            lock.unlock();
        }
    }

    /** The notes of {@code warden queue}: look at a message again (or all of them). */
    private void pollControl() throws IOException {
        for (String name : spool.takeSignals()) {
            if (name.equals(Spool.ALL)) {
                List<String> ids;
                lock.lock();
                try {
                    ids = new ArrayList<>(when.keySet());
                    again.addAll(active);
                } finally {
                    lock.unlock();
                }
                Instant now = clock.instant();
                for (String id : ids) schedule(id, now, false);
                continue;
            }
            if (!Spool.isId(name)) continue;
            lock.lock();
            try {
                if (active.contains(name)) {
                    again.add(name);
                    continue;
                }
            } finally {
                lock.unlock();
            }
            reconsider(name);
        }
    }

    /** Reschedules {@code id} from its journal: out when gone or frozen, else at its next attempt. */
    private void reconsider(String id) {
        try {
            MessageState st = spool.state(id);
            if (st.frozen()) unschedule(id);
            else schedule(id, st.nextAttempt().orElse(clock.instant()), false);
        } catch (IOException gone) {
            unschedule(id);
        }
    }

    /** One attempt at {@code id}, on its own virtual thread; never throws. */
    private void attempt(String id) {
        Optional<Instant> next = Optional.empty();
        try {
            next = attemptOnce(id);
        } catch (Throwable t) {
            if (!closed) log.note(id + " queue run failed: " + Cause.of(t) + "; tried again in " + settings.retryMin());
            next = Optional.of(clock.instant().plus(settings.retryMin()));
        } finally {
            slots.release();
            lock.lock();
            try {
                active.remove(id);
                boolean rerun = again.remove(id);
                if (rerun) {
                    next = Optional.of(clock.instant());
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            if (next.isPresent() && !closed) schedule(id, next.get(), false);
        }
    }

    private Optional<Instant> attemptOnce(String id) throws IOException, InterruptedException {
        MessageState st;
        try {
            st = spool.state(id);
        } catch (NoSuchFileException gone) {
            return Optional.empty(); // removed by an admin, or done
        } catch (IOException e) {
            log.note(id + " cannot be read, left in the queue and not tried until the next start: " + Cause.of(e));
            return Optional.empty();
        }
        if (st.frozen()) return Optional.empty();
        Instant now = clock.instant();
        List<QueuedRecipient> due = st.remaining().stream().filter(r -> switch (r.state()) {
            case RecipientState.Pending p -> true;
            case RecipientState.Deferred d -> !d.nextAttempt().isAfter(now);
            default -> false;
        }).toList();
        if (!due.isEmpty()) {
            if (deliver(spool.message(st), due)) return Optional.empty(); // all delivered at the first go: see send()
            try {
                st = spool.state(id);
            } catch (NoSuchFileException completed) {
                return Optional.empty(); // all delivered at the first go: see send()
            }
        }
        st = report(st);
        if (st.complete()) {
            spool.remove(id);
            log.completed(id);
            return Optional.empty();
        }
        return next(st);
    }

    /** When to look at {@code st} again: its next retry, or its delay warning if that comes first. */
    private Optional<Instant> next(MessageState st) {
        Optional<Instant> next = st.nextAttempt();
        Optional<Instant> warn = delayWarningAt(st);
        if (warn.isPresent() && (next.isEmpty() || warn.get().isBefore(next.get()))) return warn;
        return next;
    }

    private Optional<Instant> delayWarningAt(MessageState st) {
        if (settings.delayWarning().isEmpty() || st.delayReported()) return Optional.empty();
        if (st.recipients().stream().noneMatch(r -> r.state() instanceof RecipientState.Deferred)) return Optional.empty();
        return Optional.of(st.envelope().arrival().plus(settings.delayWarning().get()));
    }

    // ---- delivery

    /** Delivers {@code due}; true when the message has left the queue (every recipient took it at once). */
    private boolean deliver(QueuedMessage message, List<QueuedRecipient> due) throws InterruptedException {
        Map<Destination, List<QueuedRecipient>> remote = new LinkedHashMap<>();
        for (QueuedRecipient r : due) {
            RecipientVerdict verdict;
            try {
                verdict = recipients.apply(r.address());
            } catch (RuntimeException e) {
                verdict = null;
                recordLocal(message, r, Optional.empty(), "cannot route: " + Cause.of(e));
            }
            switch (verdict) {
                case null -> { }
                case RecipientVerdict.Refused f -> {
                    String reply = f.reply().code() + " " + f.reply().status() + " " + String.join(" ", f.reply().lines());
                    append(message.id(), List.of(new JournalEvent.Failed(clock.instant(), r.index(), f.reply().status(),
                            Optional.empty(), reply)), () -> log.localFailed(message.id(), r.address(), reply));
                }
                case RecipientVerdict.Accepted a -> {
                    if (a.routes().equals(List.of(new Route.Remote(r.address())))) {
                        remote.computeIfAbsent(destination(r.address()), d -> new ArrayList<>()).add(r);
                    } else {
                        deliverHere(message, r, a.routes());
                    }
                }
            }
        }
        Optional<String> problem = outboundProblem.get();
        if (problem.isPresent()) {
            for (var group : remote.entrySet()) {
                List<Outcome> held = group.getValue().stream().map(r -> new Outcome(Outcome.Kind.DEFERRED, r.address(),
                        Optional.empty(), Optional.empty(), Optional.empty(), 0, "4.3.2", problem.get(), "", false)).toList();
                record(message, group.getKey(), group.getValue(), held);
            }
            return false;
        }
        if (remote.size() == 1 && due.size() == message.recipients().size()
                && remote.values().iterator().next().size() == due.size()) {
            // the common case: every recipient to one destination, on this thread; it may finish the message
            var only = remote.entrySet().iterator().next();
            return send(message, only.getKey(), only.getValue(), true);
        }
        List<Future<?>> running = new ArrayList<>();
        for (var group : remote.entrySet()) {
            running.add(attempts.submit(() -> send(message, group.getKey(), group.getValue(), false)));
        }
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                log.note(message.id() + " delivery failed: " + Cause.of(e.getCause()));
            }
        }
        return false;
    }

    private Destination destination(String address) {
        String domain = address.substring(address.lastIndexOf('@') + 1);
        try {
            return routes.apply(domain);
        } catch (RuntimeException e) {
            return Destination.mx(domain.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * One destination's share of a message: one permit of its concurrency, one transport call.
     * With {@code whole} (these are all the message's recipients, none done before), a message that
     * every recipient took and that owes no success report leaves the queue at once, without a
     * journal: the message file is removed and {@code queue/} fsync'd, one fsync after the peer's
     * 250 as the journal line would have been, and three fewer (journal create, fdatasync, its
     * directory).
     */
    private boolean send(QueuedMessage message, Destination destination, List<QueuedRecipient> rcpts, boolean whole) {
        Semaphore permits = destinations.computeIfAbsent(destination.key(),
                k -> new Semaphore(Math.max(1, settings.concurrencyPerDestination()), true));
        List<Outcome> outcomes;
        try {
            permits.acquire();
            try {
                outcomes = transport.deliver(destination, message, rcpts);
            } finally {
                permits.release();
            }
        } catch (Throwable t) {
            outcomes = List.of();
            log.note(message.id() + " transport failed for " + destination.key() + ": " + Cause.of(t));
        }
        if (whole && finished(rcpts, outcomes)) {
            try {
                spool.remove(message.id());
                for (Outcome o : outcomes) log.delivered(message.id(), o, destination.router());
                log.completed(message.id());
                return true;
            } catch (IOException e) {
                // not removed (or not durably): journal the deliveries instead
            }
        }
        record(message, destination, rcpts, outcomes);
        return false;
    }

    /** Whether every recipient was delivered and none asked for a success report we must send. */
    private static boolean finished(List<QueuedRecipient> rcpts, List<Outcome> outcomes) {
        if (outcomes.size() != rcpts.size()) return false;
        for (int i = 0; i < rcpts.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o == null || o.kind() != Outcome.Kind.DELIVERED) return false;
            if (rcpts.get(i).dsn().notifications().contains(Notify.SUCCESS) && !o.relayed()) return false;
        }
        return true;
    }

    /** Journals one group's outcomes (one fdatasync), then logs them. */
    private void record(QueuedMessage message, Destination destination, List<QueuedRecipient> rcpts, List<Outcome> outcomes) {
        Instant now = clock.instant();
        List<JournalEvent> events = new ArrayList<>();
        List<Runnable> lines = new ArrayList<>();
        for (int i = 0; i < rcpts.size(); i++) {
            QueuedRecipient r = rcpts.get(i);
            Outcome o = i < outcomes.size() && outcomes.get(i) != null ? outcomes.get(i)
                    : new Outcome(Outcome.Kind.DEFERRED, r.address(), Optional.empty(), Optional.empty(), Optional.empty(),
                    0, "4.3.0", "no outcome from the transport (internal error)", "", false);
            String router = destination.router();
            switch (o.kind()) {
                case DELIVERED -> {
                    events.add(new JournalEvent.Delivered(now, r.index(), o.host(), o.relayed(), o.diagnostic()));
                    lines.add(() -> log.delivered(message.id(), o, router));
                }
                case FAILED -> {
                    events.add(new JournalEvent.Failed(now, r.index(), status(o), o.host(), o.diagnostic()));
                    lines.add(() -> log.failed(message.id(), o, router, DeliveryLog.reason(o)));
                }
                case DEFERRED -> {
                    Optional<Instant> next = backoff.next(message.arrival(), now, attempts(r) + 1);
                    if (next.isEmpty()) {
                        String why = "retry timeout exceeded (last: " + DeliveryLog.reason(o) + ")";
                        events.add(new JournalEvent.Failed(now, r.index(), "4.4.7", o.host(),
                                "retry timeout exceeded; last reply: " + o.diagnostic()));
                        lines.add(() -> log.failed(message.id(), o, router, why));
                    } else {
                        events.add(new JournalEvent.Deferred(now, r.index(), next.get(), o.host(), o.diagnostic()));
                        lines.add(() -> log.deferred(message.id(), o, router));
                    }
                }
            }
        }
        append(message.id(), events, () -> lines.forEach(Runnable::run));
    }

    /** Appends and, only once durable, logs; a journal that cannot be written is logged and retried later. */
    private void append(String id, List<JournalEvent> events, Runnable logLines) {
        try {
            spool.append(id, events);
            logLines.run();
        } catch (NoSuchFileException removed) {
            log.note(id + " was removed from the queue during delivery; its outcome is not recorded");
        } catch (IOException e) {
            log.note(id + " cannot write its journal (" + Cause.of(e) + "): what was just done may be done again");
        }
    }

    private static int attempts(QueuedRecipient r) {
        return r.state() instanceof RecipientState.Deferred d ? d.attempts() : 0;
    }

    private static String status(Outcome o) {
        if (!o.status().isEmpty()) return o.status();
        return o.code() >= 500 ? "5.0.0" : "4.0.0";
    }

    /**
     * A recipient of ours (a bounce to a local sender): a copy into each mailbox it reaches; an
     * alias that leads out of our domains is queued again as a new message ({@code ID-A<index>},
     * the original address as its ORCPT).
     */
    private void deliverHere(QueuedMessage message, QueuedRecipient r, List<Route> routesOfIt) {
        List<Route.Mailbox> boxes = new ArrayList<>();
        List<Recipient> forward = new ArrayList<>();
        for (Route route : routesOfIt) {
            switch (route) {
                case Route.Mailbox m -> boxes.add(m);
                case Route.Remote x -> forward.add(new Recipient(x.address(), new RecipientDsn(r.dsn().notifications(),
                        r.dsn().orcpt().or(() -> Optional.of("rfc822;" + r.address())))));
            }
        }
        List<Runnable> lines = new ArrayList<>();
        try {
            StringBuilder reply = new StringBuilder();
            for (Route.Mailbox box : boxes) {
                LocalDelivery.Copy copy = local.deliver(message, List.of(r.address()), box);
                lines.add(() -> log.localDelivered(message.id(), box.user(), r.address(), copy));
                reply.append(reply.isEmpty() ? "" : ", ").append("delivered to ").append(box.user());
            }
            if (!forward.isEmpty()) {
                String child = message.id() + "-A" + r.index();
                try {
                    spool.enqueue(child, message.reversePath(), message.dsn(), forward, message.content());
                    lines.add(() -> log.note(child + " <= <" + message.reversePath() + "> R=" + message.id()
                            + " S=" + message.content().size()));
                } catch (FileAlreadyExistsException already) {
                    // queued before a crash
                }
                lines.add(() -> arrived(child));
                reply.append(reply.isEmpty() ? "" : ", ").append("forwarded as ").append(child);
            }
            append(message.id(), List.of(new JournalEvent.Delivered(clock.instant(), r.index(), Optional.empty(), false,
                    "250 " + reply)), () -> lines.forEach(Runnable::run));
        } catch (IOException | RuntimeException e) {
            recordLocal(message, r, Optional.empty(), "cannot write to the mailbox: " + Cause.of(e));
        }
    }

    /** A local recipient that could not be delivered now: deferred, or failed once too old. */
    private void recordLocal(QueuedMessage message, QueuedRecipient r, Optional<String> host, String why) {
        Instant now = clock.instant();
        Optional<Instant> next = backoff.next(message.arrival(), now, attempts(r) + 1);
        if (next.isEmpty()) {
            append(message.id(), List.of(new JournalEvent.Failed(now, r.index(), "4.4.7", host,
                    "retry timeout exceeded; last error: " + why)), () -> log.localFailed(message.id(), r.address(),
                    "retry timeout exceeded (last: " + why + ")"));
        } else {
            append(message.id(), List.of(new JournalEvent.Deferred(now, r.index(), next.get(), host, why)),
                    () -> log.localDeferred(message.id(), r.address(), why));
        }
    }

    // ---- reports

    /** Makes the reports that are due (failure, success, delay) and journals them; returns the new state. */
    private MessageState report(MessageState st) throws IOException {
        Instant now = clock.instant();
        List<QueuedRecipient> failed = st.failedUnreported();
        if (!failed.isEmpty()) {
            List<ReportedRecipient> rr = failed.stream().map(r -> reported(st, r, "failed", st.status(r.index()),
                    ((RecipientState.Failed) r.state()).at(), Optional.empty())).toList();
            makeReport(st, ReportKind.FAILURE, "-F", failed, reports.failure(spool.message(st), rr));
        }
        List<QueuedRecipient> succeeded = st.successUnreported();
        if (!succeeded.isEmpty()) {
            List<ReportedRecipient> rr = succeeded.stream().map(r -> reported(st, r,
                    st.host(r.index()).isPresent() ? "relayed" : "delivered", "2.0.0",
                    ((RecipientState.Delivered) r.state()).at(), Optional.empty())).toList();
            makeReport(st, ReportKind.SUCCESS, "-S", succeeded, reports.success(spool.message(st), rr));
        }
        Optional<Instant> warn = delayWarningAt(st);
        if (warn.isPresent() && !warn.get().isAfter(now)) {
            List<QueuedRecipient> delayed = st.recipients().stream()
                    .filter(r -> r.state() instanceof RecipientState.Deferred).toList();
            Optional<Instant> until = Optional.of(backoff.expiry(st.envelope().arrival()));
            List<ReportedRecipient> rr = delayed.stream().map(r -> {
                RecipientState.Deferred d = (RecipientState.Deferred) r.state();
                return reported(st, r, "delayed", statusOf(d.lastReply(), "4.0.0"), now, until);
            }).toList();
            makeReport(st, ReportKind.DELAY, "-D", delayed, reports.delay(spool.message(st), rr));
        }
        return failed.isEmpty() && succeeded.isEmpty() && warn.isEmpty() ? st : spool.state(st.id());
    }

    private static ReportedRecipient reported(MessageState st, QueuedRecipient r, String action, String status,
                                              Instant at, Optional<Instant> until) {
        String diagnostic = switch (r.state()) {
            case RecipientState.Failed f -> f.reply();
            case RecipientState.Delivered d -> d.reply();
            case RecipientState.Deferred d -> d.lastReply();
            default -> "";
        };
        return new ReportedRecipient(r.address(), r.dsn(), action, status, st.host(r.index()), diagnostic, at, until);
    }

    private void makeReport(MessageState st, ReportKind kind, String suffix, List<QueuedRecipient> about,
                            Optional<Report> report) throws IOException {
        String reportId = "";
        if (report.isPresent()) {
            reportId = st.id() + suffix + about.getFirst().index();
            Report r = report.get();
            try {
                spool.enqueue(reportId, "", MessageDsn.NONE,
                        List.of(new Recipient(r.recipient(), new RecipientDsn(Set.of(Notify.NEVER), Optional.empty()))),
                        r.content());
                log.note(reportId + " <= <> R=" + st.id() + " S=" + r.content().size());
            } catch (FileAlreadyExistsException already) {
                // made before a crash, journal line lost: the same report, not a second one
            } finally {
                r.content().discard();
            }
        }
        spool.append(st.id(), new JournalEvent.Reported(clock.instant(), kind,
                about.stream().map(QueuedRecipient::index).toList(), reportId));
        if (!reportId.isEmpty()) arrived(reportId);
    }

    /** The enhanced status in a reply ({@code 451 4.7.1 ...}), or {@code fallback}. */
    static String statusOf(String reply, String fallback) {
        Matcher m = STATUS.matcher(reply);
        return m.find() ? m.group(1) : fallback;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops: no new attempt starts; attempts under way get {@code grace} to finish (their
     * outcomes are journaled), then are interrupted (their recipients stay as they were).
     */
    public void close(Duration grace) {
        closed = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        if (runner != null) {
            try {
                runner.join(tick.multipliedBy(4).toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        attempts.shutdown();
        try {
            if (!attempts.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) attempts.shutdownNow();
        } catch (InterruptedException e) {
            attempts.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
