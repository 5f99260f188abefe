package warden.door.greylistd;

import warden.door.DoorConnection;
import warden.door.DoorEngines;
import warden.door.DoorListener;
import warden.greylist.Greylist;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;
import warden.greylist.GreylistStore;
import warden.mail.ClientText;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * greylistd's socket protocol in front of Warden's engine and greylist store: Exim's
 * {@code ${readsocket}} ACLs (seed 004, Debian's {@code greylistd-setup-exim4}) and greylistd's
 * own {@code greylist} tool work against it unchanged.
 *
 * <p>One request per connection ({@link RequestReader}), parsed as greylistd parses it
 * ({@link GreylistdRequest}); the answer is written, flushed and the connection closed. Answers
 * and error lines are greylistd's, word for word: {@code white}, {@code grey}, {@code black};
 * {@code true}/{@code false} with an option; {@code error: Missing argument} and the rest.
 *
 * <p>What the answers mean is Warden's: {@code update} (or no verb) and {@code check} of a
 * delivery attempt ask the whole engine ({@link EngineVerdict}: DNS lists, bogus bounces, client
 * checks and the greylist), so {@code black} now also means "listed by a DNS blacklist", and
 * Exim's second ACL verb denies it. {@code check} records nothing ({@link DoorEngines#peek()}).
 * Other data ({@code bogus}) gets greylistd's plain state machine ({@link FreeTextGreylist}).
 * {@code add}, {@code delete}, {@code status}, {@code list}, {@code stats}, {@code clear} work on
 * the store {@code serve} and {@code warden greylist} use, with the same keys
 * ({@code greylist add --black 198.51.100.7 spam@bad.example victim@example.net} makes the engine
 * answer {@code black} for that triplet). {@code save} removes expired entries (the store itself
 * is always saved); {@code reload} reloads nothing (Warden's configuration is reloaded by
 * restarting {@code serve}).
 *
 * <p>In report mode ({@code policy.mode: report}) decisions are answered {@code white}
 * ({@code true} only for {@code --white}) and the main log says what would have been answered
 * and why; the administrative verbs work as always.
 *
 * <p>Every decision and every change to the store makes one main-log line, the client's text
 * escaped. Nothing a client sends makes a stack trace or an unanswered connection: a request
 * over 16 KiB, a store outage or a bug answers an {@code error: } line.
 *
 * <h2>Standards</h2>
 * greylistd(8) and greylist(1) 0.9 (Debian 0.9.0.2, read from the source and run);
 * Exim 4.96 specification, {@code ${readsocket}} (chapter 11).
 */
public final class GreylistdServer implements DoorListener.Handler {

    private final DoorEngines engines;
    private final Optional<GreylistStore> store;
    private final GreylistSettings settings;
    private final Optional<Greylist> greylist;
    private final Optional<FreeTextGreylist> freeText;
    private final Instant started;

    public GreylistdServer(DoorEngines engines) {
        this.engines = engines;
        this.store = engines.store();
        this.settings = engines.greylist();
        this.greylist = store.map(s -> new Greylist(s, settings, engines.clock()));
        this.freeText = store.map(s -> new FreeTextGreylist(s, settings, engines.clock()));
        this.started = engines.clock().instant();
    }

    @Override
    public void serve(DoorConnection connection) throws IOException {
        RequestReader.Framed framed = RequestReader.read(connection);
        String answer = switch (framed) {
            case RequestReader.Framed.TooLong t -> {
                log(connection, "(more than " + RequestReader.MAX_REQUEST + " bytes)", "error: Request too long", "");
                yield "error: Request too long (greylistd reads at most " + RequestReader.MAX_REQUEST + " bytes)";
            }
            case RequestReader.Framed.Request r -> answer(r.text(), connection);
        };
        OutputStream out = connection.output();
        out.write(answer.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (framed instanceof RequestReader.Framed.Request r && r.ended()) connection.shutdownOutput();
        else connection.drain(RequestReader.DRAIN_TIME, RequestReader.DRAIN_BYTES);
    }

    /** The answer to one request; never throws. */
    String answer(String text, DoorConnection connection) {
        GreylistdRequest request;
        try {
            request = GreylistdRequest.parse(text);
        } catch (GreylistdRequest.Refused e) {
            String answer = "error: " + e.getMessage();
            log(connection, text, answer, "");
            return answer;
        }
        try {
            return switch (request.verb()) {
                case UPDATE, CHECK -> decide(request, connection);
                case STATUS -> status(request);
                case ADD -> add(request, connection);
                case DELETE -> delete(request, connection);
                case LIST -> list(request);
                case CLEAR -> clear(request, connection);
                case STATS -> withStore(s -> GreylistdReports.stats(s.entries(), s.counters(), now()));
                case MRTG -> withStore(s -> GreylistdReports.mrtg(s.counters(), Duration.between(started, engines.clock().instant()), hostname()));
                case SAVE -> {
                    store.ifPresent(s -> s.purge(now()));
                    yield "greylistd data has been saved";
                }
                case RELOAD -> "configuration and data reloaded";
            };
        } catch (Refusal e) {
            log(connection, request.toString(), "error: " + e.getMessage(), "");
            return "error: " + e.getMessage();
        } catch (RuntimeException e) { // a store outage, or a bug: an error line, never a stack trace
            String why = "The greylist store is unavailable or failed: " + ClientText.ascii(String.valueOf(e.getMessage()), 200);
            log(connection, request.toString(), "error", e.toString());
            return "error: " + why;
        }
    }

    // ------------------------------------------------------------------ decisions

    private String decide(GreylistdRequest request, DoorConnection connection) {
        Optional<GreylistState> asked = truthTest(request.options());
        boolean record = request.verb() == GreylistdRequest.Verb.UPDATE;
        Subject subject = Subject.of(request.data(), settings);
        EngineVerdict engine = new EngineVerdict(record ? engines.engine() : engines.peek(), greylist, record);
        GreylistState state;
        String why;
        Duration delay = Duration.ZERO;
        switch (subject) {
            case Subject.Delivery d -> {
                EngineVerdict.Answer a = engine.ask(d);
                state = a.state();
                why = a.why();
                delay = a.delay();
            }
            case Subject.Bounce b -> {
                boolean blackOnly = asked.equals(Optional.of(GreylistState.BLACK));
                EngineVerdict.Answer a = blackOnly ? engine.blackListed(b) : engine.ask(b);
                state = a.state();
                why = a.why();
                delay = a.delay();
            }
            case Subject.Network n -> {
                FreeTextGreylist.Answer a = freeText(new Subject.Text(request.text()).key(), Optional.of(n.key()), record);
                state = a.state();
                why = a.why();
            }
            case Subject.Text t -> {
                FreeTextGreylist.Answer a = freeText(t.key(), Optional.empty(), record);
                state = a.state();
                why = a.why();
            }
        }
        String decided = word(state, asked);
        if (delay.isPositive()) why = why + "; a delay of " + delay.toSeconds() + "s not waited";
        if (engines.report()) {
            String answer = word(GreylistState.WHITE, asked);
            log(connection, request.toString(), answer, "would answer " + decided + (decided.equals(state.label()) ? "" : " (" + state.label() + ")")
                    + ": " + why);
            return answer;
        }
        log(connection, request.toString(), decided + (decided.equals(state.label()) ? "" : " (" + state.label() + ")"), why);
        return decided;
    }

    private FreeTextGreylist.Answer freeText(String key, Optional<String> network, boolean record) {
        if (freeText.isEmpty()) return new FreeTextGreylist.Answer(GreylistState.WHITE, "greylisting is off");
        return freeText.get().decide(key, network, record);
    }

    /** {@code --grey} and friends: greylistd looks at the first option only. */
    private static Optional<GreylistState> truthTest(List<String> options) {
        if (options.isEmpty()) return Optional.empty();
        return Optional.of(state(options.getFirst()).orElseThrow(() -> new Refusal("'" + options.getFirst() + "' is not a known state")));
    }

    private static String word(GreylistState state, Optional<GreylistState> asked) {
        return asked.map(a -> a == state ? "true" : "false").orElse(state.label());
    }

    // ------------------------------------------------------------------ administration

    private String status(GreylistdRequest request) {
        Subject subject = Subject.of(request.data(), settings);
        return withStore(s -> s.find(subject.key()).filter(e -> !e.expiredAt(now())).map(e -> e.state().label()).orElse("unseen"));
    }

    private String add(GreylistdRequest request, DoorConnection connection) {
        GreylistState state = request.options().isEmpty() ? GreylistState.WHITE
                : state(request.options().getFirst()).orElseThrow(() -> new Refusal("No such list: '" + request.options().getFirst() + "'"));
        Subject subject = Subject.of(request.data(), settings);
        Instant now = now();
        Duration life = state == GreylistState.GREY ? settings.timeout() : settings.lifetime();
        withStore(s -> s.update(subject.key(), current -> {
            // As greylistd: on the same list again, the first sighting stays and the count goes on.
            Optional<GreylistEntry> same = current.filter(e -> !e.expiredAt(now) && e.state() == state);
            return Optional.of(new GreylistEntry(state, same.map(GreylistEntry::firstSeen).orElse(now), now, now.plus(life),
                    same.map(GreylistEntry::requests).orElse(0L) + 1, Duration.ZERO));
        }));
        String answer = "Added to " + state.label() + "list";
        log(connection, request.toString(), answer, "key " + subject.key());
        return answer;
    }

    private String delete(GreylistdRequest request, DoorConnection connection) {
        Subject subject = Subject.of(request.data(), settings);
        Instant now = now();
        Optional<GreylistEntry> was = withStore(s -> s.update(subject.key(), current -> Optional.empty()).before())
                .filter(e -> !e.expiredAt(now));
        if (was.isEmpty()) throw new Refusal("Not found");
        String answer = "Removed from " + was.get().state().label() + "list";
        log(connection, request.toString(), answer, "key " + subject.key());
        return answer;
    }

    private String list(GreylistdRequest request) {
        List<GreylistState> lists = lists(request.options(), false);
        return withStore(s -> GreylistdReports.list(s.entries(), lists, now(), engines.clock().getZone()));
    }

    /** {@code clear}: removes the entries of the lists given (all if none). The store's counters are kept. */
    private String clear(GreylistdRequest request, DoorConnection connection) {
        List<GreylistState> lists = lists(request.options(), true);
        int removed = withStore(s -> {
            int n = 0;
            for (var e : s.entries().entrySet()) {
                if ((lists.isEmpty() || lists.contains(e.getValue().state())) && s.delete(e.getKey())) n++;
            }
            return n;
        });
        String answer = "data and statistics cleared";
        log(connection, request.toString(), answer, removed + " entries removed");
        return answer;
    }

    private static List<GreylistState> lists(List<String> options, boolean quoted) {
        List<GreylistState> lists = new ArrayList<>();
        for (String o : options) {
            lists.add(state(o).orElseThrow(() -> new Refusal("Invalid list: " + (quoted ? "'" + o + "'" : o))));
        }
        return lists;
    }

    private <T> T withStore(java.util.function.Function<GreylistStore, T> work) {
        return work.apply(store.orElseThrow(() -> new Refusal("Greylisting is off (greylist.enabled, or the store could not be opened)")));
    }

    // ------------------------------------------------------------------ helpers

    private static Optional<GreylistState> state(String word) {
        for (GreylistState s : GreylistState.values()) {
            if (s.label().equals(word)) return Optional.of(s);
        }
        return Optional.empty();
    }

    private Instant now() {
        return engines.clock().instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** {@code greylistd unix: update 192.0.2.1 a@b c@d -> grey (rcpt 451 4.7.1 ...; greylist fail: ...)}, one escaped line. */
    private void log(DoorConnection connection, String request, String answer, String why) {
        engines.log().accept("greylistd " + connection.peer() + ": " + ClientText.ascii(request, 600) + " -> " + answer
                + (why.isEmpty() ? "" : " (" + ClientText.ascii(why, 1500) + ")"));
    }

    /** The host name, as greylistd's {@code mrtg} prints it ({@code socket.gethostname()}): the kernel's, no DNS. */
    private static String hostname() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII).strip();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }

    /** A request greylistd answers with an {@code error: } line. */
    private static final class Refusal extends RuntimeException {
        Refusal(String message) {
            super(message, null, false, false);
        }
    }
}
