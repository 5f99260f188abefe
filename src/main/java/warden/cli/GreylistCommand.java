package warden.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistCounter;
import warden.greylist.GreylistResult;
import warden.greylist.GreylistState;
import warden.greylist.GreylistStoreException;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * {@code warden greylist list|add|delete|check|stats|purge|import}: the operator's view of the greylist,
 * equivalent to greylistd's {@code greylist} tool, safe to run while the server runs.
 *
 * <p>A subject is a triplet {@code CLIENT SENDER RECIPIENT} ({@code <>} for the null sender) or a
 * client address or network alone (a white or black network applies to every triplet from it).
 * Output is text for people or, with {@code --json}, one JSON document for scripts. Exit status
 * of {@code check} follows greylistd: 0 white, 1 grey, 2 black; every command exits 64 on a bad
 * argument and 75 when the store cannot be reached, with a one-line {@code error:} message and no
 * stack trace.
 *
 * <h2>Standards</h2>
 * greylist(1) from greylistd 0.9; sysexits(3) for 64 and 75.
 *
 * <p>It holds no logic beyond arguments to {@link GreylistAdmin} calls and formatting.
 */
@Command(name = "greylist", mixinStandardHelpOptions = true, subcommands = GreylistImportCommand.class,
        description = "List, add, delete and check greylist entries, show statistics, and import greylistd's or postgrey's data.")
public final class GreylistCommand implements Callable<Integer> {

    static final int PASS = 0, GREY = 1, BLACK = 2, USAGE = 64, UNAVAILABLE = 75;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "The configuration file naming the greylist store.")
    Path config;

    private final Function<Optional<Path>, GreylistAdmin> opener;

    /**
     * @param opener opens the admin over the configured store, given {@code --config} if it was
     *               passed; the command closes what it opened after each run
     */
    public GreylistCommand(Function<Optional<Path>, GreylistAdmin> opener) {
        this.opener = opener;
    }

    /** Without a subcommand: the usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err());
        return USAGE;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List live entries with their age (all lists unless some are named).")
    int list(@Option(names = "--white", description = "list the white entries") boolean white,
             @Option(names = "--grey", description = "list the grey entries (waiting for a retry)") boolean grey,
             @Option(names = "--black", description = "list the black entries") boolean black,
             @Option(names = "--json", description = JSON_OPTION) boolean json) {
        Set<GreylistState> states = EnumSet.noneOf(GreylistState.class);
        if (white) states.add(GreylistState.WHITE);
        if (grey) states.add(GreylistState.GREY);
        if (black) states.add(GreylistState.BLACK);
        return run(admin -> {
            List<GreylistAdmin.Listing> listed = admin.list(states);
            if (json) {
                print(listed.stream().map(l -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("key", l.key());
                    m.put("state", l.entry().state().label());
                    m.put("first_seen", l.entry().firstSeen().toString());
                    m.put("last_seen", l.entry().lastSeen().toString());
                    m.put("expires", l.entry().expires().toString());
                    m.put("age_seconds", l.age().toSeconds());
                    m.put("idle_seconds", l.idle().toSeconds());
                    m.put("requests", l.entry().requests());
                    m.put("delayed_seconds", l.entry().delayed().toSeconds());
                    return m;
                }).toList());
            } else {
                out().printf("%-5s  %9s  %9s  %8s  %s%n", "state", "age", "idle", "requests", "key");
                for (GreylistAdmin.Listing l : listed) {
                    out().printf("%-5s  %9s  %9s  %8d  %s%n", l.entry().state().label(), span(l.age()), span(l.idle()),
                            l.entry().requests(), l.key());
                }
            }
            return PASS;
        });
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Put a triplet or a client network on a list (white unless told).")
    int add(@Option(names = "--white", description = "put it on the white list (the default)") boolean white,
            @Option(names = "--grey", description = "put it on the grey list") boolean grey,
            @Option(names = "--black", description = "put it on the black list") boolean black,
            @Option(names = "--json", description = JSON_OPTION) boolean json,
            @Parameters(index = "0", paramLabel = "CLIENT", description = CLIENT) String client,
            @Parameters(index = "1", arity = "0..1", paramLabel = "SENDER", description = SENDER) String sender,
            @Parameters(index = "2", arity = "0..1", paramLabel = "RECIPIENT", description = RECIPIENT) String recipient) {
        List<String> subject = subject(client, sender, recipient);
        if ((white ? 1 : 0) + (grey ? 1 : 0) + (black ? 1 : 0) > 1) return usage("give at most one of --white, --grey, --black");
        GreylistState state = black ? GreylistState.BLACK : grey ? GreylistState.GREY : GreylistState.WHITE;
        return run(admin -> {
            String key = admin.add(state, subject);
            if (json) print(Map.of("key", key, "state", state.label()));
            else out().println("Added " + key + " to the " + state.label() + " list");
            return PASS;
        });
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a triplet's or a client network's entry.")
    int delete(@Option(names = "--json", description = JSON_OPTION) boolean json,
               @Parameters(index = "0", paramLabel = "CLIENT", description = CLIENT) String client,
               @Parameters(index = "1", arity = "0..1", paramLabel = "SENDER", description = SENDER) String sender,
               @Parameters(index = "2", arity = "0..1", paramLabel = "RECIPIENT", description = RECIPIENT) String recipient) {
        List<String> subject = subject(client, sender, recipient);
        return run(admin -> {
            String key = admin.key(subject);
            boolean removed = admin.delete(subject);
            if (json) print(Map.of("key", key, "removed", removed));
            else if (removed) out().println("Removed " + key);
            else err().println("error: " + key + " is not in the greylist");
            return removed ? PASS : GREY;
        });
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Tell what a delivery of this triplet would get now, without recording it."
                    + " Exit status: 0 white, 1 grey, 2 black, 75 store unavailable.")
    int check(@Option(names = "--json", description = JSON_OPTION) boolean json,
              @Parameters(index = "0", paramLabel = "CLIENT", description = "the client's IP address") String client,
              @Parameters(index = "1", paramLabel = "SENDER", description = SENDER) String sender,
              @Parameters(index = "2", paramLabel = "RECIPIENT", description = RECIPIENT) String recipient) {
        List<String> triplet = List.of(client, sender, recipient);
        return run(admin -> {
            GreylistResult r = admin.check(triplet);
            int status = switch (r) {
                case GreylistResult.Pass p -> PASS;
                case GreylistResult.Grey g -> GREY;
                case GreylistResult.Black b -> BLACK;
                case GreylistResult.Unavailable u -> UNAVAILABLE;
            };
            String verdict = status == PASS ? "white" : r.label();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", admin.key(triplet));
                m.put("result", verdict);
                r.reply().ifPresent(reply -> m.put("reply", reply.toString()));
                if (r instanceof GreylistResult.Grey g) m.put("retry_after_seconds", g.retryAfter().toSeconds());
                if (r instanceof GreylistResult.Unavailable u) m.put("reason", u.reason());
                print(m);
            } else {
                out().println(verdict + r.reply().map(reply -> ": " + reply).orElse(""));
            }
            return status;
        });
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Show entries per list and counters since the store was created.")
    int stats(@Option(names = "--json", description = JSON_OPTION) boolean json) {
        return run(admin -> {
            GreylistAdmin.Stats s = admin.stats();
            if (json) {
                Map<String, Object> entries = new LinkedHashMap<>();
                for (GreylistState st : GreylistState.values()) entries.put(st.label(), s.entries().get(st));
                Map<String, Object> counters = new LinkedHashMap<>();
                for (GreylistCounter c : GreylistCounter.values()) counters.put(c.label(), s.counters().get(c));
                print(Map.of("entries", entries, "counters", counters));
            } else {
                for (GreylistState st : GreylistState.values()) out().printf("%-10s %8d entries%n", st.label(), s.entries().get(st));
                long greylisted = s.counters().get(GreylistCounter.GREYLISTED);
                long promoted = s.counters().get(GreylistCounter.PROMOTED);
                for (GreylistCounter c : GreylistCounter.values()) out().printf("%-10s %8d%n", c.label(), s.counters().get(c));
                if (greylisted > 0) out().printf("%.1f%% of greylisted triplets were retried and whitelisted%n", 100.0 * promoted / greylisted);
            }
            return PASS;
        });
    }

    @Command(name = "purge", mixinStandardHelpOptions = true,
            description = "Remove expired entries now (the server also does this hourly).")
    int purge(@Option(names = "--json", description = JSON_OPTION) boolean json) {
        return run(admin -> {
            int gone = admin.purge();
            if (json) print(Map.of("purged", gone));
            else out().println("Purged " + gone + " expired entries");
            return PASS;
        });
    }

    private static final String JSON_OPTION = "print one JSON document instead of text";
    private static final String CLIENT = "the client's IP address, or a network such as 192.0.2.0/24 (alone: the whole network)";
    private static final String SENDER = "the envelope sender; <> for the null sender";
    private static final String RECIPIENT = "the envelope recipient";

    /** A client alone, or a whole triplet. */
    private static List<String> subject(String client, String sender, String recipient) {
        List<String> subject = new java.util.ArrayList<>(3);
        subject.add(client);
        if (sender != null) subject.add(sender);
        if (recipient != null) subject.add(recipient);
        return subject;
    }

    int run(Function<GreylistAdmin, Integer> action) {
        try (GreylistAdmin admin = opener.apply(Optional.ofNullable(config))) {
            return action.apply(admin);
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        } catch (GreylistStoreException e) {
            err().println("error: " + e.getMessage());
            return UNAVAILABLE;
        }
    }

    int usage(String message) {
        err().println("error: " + message);
        return USAGE;
    }

    void print(Object value) {
        try {
            out().println(JSON.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and numbers always serialise", e);
        }
    }

    /** A duration as people read it: {@code 3d4h}, {@code 5m12s}, {@code 0s}. */
    static String span(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 86_400) return s / 86_400 + "d" + (s % 86_400) / 3600 + "h";
        if (s >= 3600) return s / 3600 + "h" + (s % 3600) / 60 + "m";
        if (s >= 60) return s / 60 + "m" + s % 60 + "s";
        return s + "s";
    }

    PrintWriter out() { return spec.commandLine().getOut(); }

    PrintWriter err() { return spec.commandLine().getErr(); }
}
