package warden.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import warden.config.ConfigException;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.log.MainLog;
import warden.mail.ClientText;
import warden.queue.JournalEvent;
import warden.queue.MessageState;
import warden.queue.QueueAdmin;
import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;
import warden.queue.RecipientState;
import warden.queue.Spool;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code warden queue list|show|remove|retry|freeze|thaw|stats}: the operator's view of the
 * outbound queue, Exim's {@code -bp}, {@code -Mvh}, {@code -Mrm}, {@code -M}/{@code -qff},
 * {@code -Mf}, {@code -Mt} and Postfix's {@code mailq}, over {@link QueueAdmin}; safe while the
 * server runs (a change is a journal line the running queue manager picks up).
 *
 * <p>{@code list} streams the spool directory (100 000 messages cost their envelopes and journals,
 * never a body), in directory order, as {@code exim -bp} does: age, size, id, sender, then each
 * recipient with its state; {@code --json} writes one JSON array, element by element. Text from
 * the spool that came from clients (addresses, remote replies, header lines) is escaped with
 * {@link ClientText}. Removals, freezes and thaws are also written to the main log.
 *
 * <p>Exit statuses: 0 done; 1 a named message is not in the queue; 64 a bad argument; 74 the
 * spool cannot be read or written (one line on standard error, no stack trace).
 *
 * <h2>Standards</h2>
 * exim(8) {@code -bp} output; postqueue(1) {@code -p}; sysexits(3) for 64 and 74.
 *
 * <p>Not done: selecting messages ({@code exiqgrep}); sorting the listing by arrival (it would
 * hold every envelope in memory).
 */
@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "List, show, remove, retry, freeze and thaw queued outbound messages; works while the server runs.")
public final class QueueCommand implements Callable<Integer> {

    static final int OK = 0, NOT_QUEUED = 1, USAGE = 64, IOERR = 74;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String JSON_OPTION = "print JSON instead of text";
    private static final String ID = "a queue id, as 'warden queue list' shows it";
    /** How much of a message's header {@code show} prints. */
    private static final int SHOWN_HEADER = 64 * 1024;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "The configuration file naming data_dir (default: built-in defaults).")
    Path config;

    /** Tests set the clock ages are measured with. */
    Clock clock = Clock.systemUTC();

    /** Without a subcommand: the usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err());
        return USAGE;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every queued message (as exim -bp / mailq): age, size, id, sender, then the recipients and their states.")
    int list(@Option(names = "--json", description = JSON_OPTION) boolean json) {
        return run(false, admin -> {
            long[] totals = new long[2];
            PrintWriter out = out();
            if (json) out.print('[');
            admin.list(state -> {
                if (json) {
                    if (totals[0] > 0) out.print(',');
                    out.print(json(describe(state)));
                } else {
                    printListing(state);
                }
                totals[0]++;
                totals[1] += state.envelope().size();
            }, problem -> err().println("queue: " + ClientText.escape(problem)));
            if (json) {
                out.println(']');
            } else if (totals[0] == 0) {
                out.println("The queue is empty");
            } else {
                out.println("-- " + size(totals[1]) + " in " + totals[0] + (totals[0] == 1 ? " message" : " messages"));
            }
            out.flush();
            return OK;
        });
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One message: envelope, each recipient's state and last reply, and the message header (exim -Mvh).")
    int show(@Option(names = "--json", description = JSON_OPTION) boolean json,
             @Parameters(paramLabel = "ID", description = ID) String id) {
        return run(false, admin -> {
            Optional<QueuedMessage> m = admin.message(checked(id));
            Optional<MessageState> s = admin.show(id);
            if (m.isEmpty() || s.isEmpty()) return notQueued(id);
            String header;
            try (var content = m.get().content()) {
                byte[] h = content.header().bytes();
                header = new String(h, 0, Math.min(h.length, SHOWN_HEADER), StandardCharsets.UTF_8);
            }
            if (json) {
                Map<String, Object> d = describe(s.get());
                d.put("header", header);
                out().println(json(d));
            } else {
                printListing(s.get());
                MessageState st = s.get();
                st.envelope().dsn().ret().ifPresent(r -> out().println("RET=" + r));
                st.envelope().dsn().envid().ifPresent(e -> out().println("ENVID=" + ClientText.escape(e)));
                out().println();
                for (String line : header.split("\r?\n", -1)) {
                    if (!line.isEmpty()) out().println(ClientText.escape(line));
                }
            }
            return OK;
        });
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove messages without delivering or bouncing them (exim -Mrm).")
    int remove(@Parameters(paramLabel = "ID", arity = "1..*", description = ID) List<String> ids) {
        return each(ids, QueueAdmin::remove, "removed");
    }

    @Command(name = "retry", mixinStandardHelpOptions = true,
            description = "Try deferred recipients now: of the named messages, or of all with --all (exim -M / -qff).")
    int retry(@Option(names = "--all", description = "every queued message") boolean all,
              @Parameters(paramLabel = "ID", arity = "0..*", description = ID) List<String> ids) {
        List<String> named = ids == null ? List.of() : ids;
        if (all == !named.isEmpty()) return usage("give message ids or --all, not both and not neither");
        if (!all) return each(named, QueueAdmin::retry, "will be tried now");
        return run(true, admin -> {
            int n = admin.retryAll();
            out().println(n + (n == 1 ? " message" : " messages") + " will be tried now");
            return OK;
        });
    }

    @Command(name = "freeze", mixinStandardHelpOptions = true,
            description = "Freeze messages: not tried until thawed (exim -Mf).")
    int freeze(@Parameters(paramLabel = "ID", arity = "1..*", description = ID) List<String> ids) {
        return each(ids, QueueAdmin::freeze, "frozen");
    }

    @Command(name = "thaw", mixinStandardHelpOptions = true,
            description = "Thaw frozen messages, to be tried again (exim -Mt).")
    int thaw(@Parameters(paramLabel = "ID", arity = "1..*", description = ID) List<String> ids) {
        return each(ids, QueueAdmin::thaw, "thawed");
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Counts: messages, frozen, size, recipients pending and deferred, the oldest message's age.")
    int stats(@Option(names = "--json", description = JSON_OPTION) boolean json) {
        return run(false, admin -> {
            QueueAdmin.Stats s = admin.stats();
            Optional<Duration> oldest = s.oldest().map(t -> Duration.between(t, clock.instant()));
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("messages", s.messages());
                m.put("frozen", s.frozen());
                m.put("bytes", s.bytes());
                m.put("recipients_pending", s.pending());
                m.put("recipients_deferred", s.deferred());
                m.put("oldest_age_seconds", oldest.map(Duration::toSeconds).orElse(null));
                m.put("unreadable", s.unreadable());
                out().println(json(m));
            } else {
                out().printf("messages   %8d%n", s.messages());
                out().printf("frozen     %8d%n", s.frozen());
                out().printf("size       %8s%n", size(s.bytes()));
                out().printf("pending    %8d recipients never tried%n", s.pending());
                out().printf("deferred   %8d recipients waiting for a retry%n", s.deferred());
                out().printf("oldest     %8s%n", oldest.map(GreylistCommand::span).orElse("-"));
                if (s.unreadable() > 0) out().printf("unreadable %8d spool files (see 'warden queue list')%n", s.unreadable());
            }
            return OK;
        });
    }

    /** What one message looks like in {@code list --json} and {@code show --json}. */
    private Map<String, Object> describe(MessageState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("arrival", s.envelope().arrival().toString());
        m.put("age_seconds", Duration.between(s.envelope().arrival(), clock.instant()).toSeconds());
        m.put("size", s.envelope().size());
        m.put("sender", s.envelope().reversePath());
        m.put("frozen", s.frozen());
        s.nextAttempt().ifPresent(t -> m.put("next_attempt", t.toString()));
        List<Map<String, Object>> recipients = new ArrayList<>();
        for (QueuedRecipient r : s.recipients()) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("address", r.address());
            switch (r.state()) {
                case RecipientState.Pending p -> rm.put("state", "pending");
                case RecipientState.Deferred d -> {
                    rm.put("state", "deferred");
                    rm.put("attempts", d.attempts());
                    rm.put("next_attempt", d.nextAttempt().toString());
                    rm.put("last_reply", d.lastReply());
                }
                case RecipientState.Delivered d -> {
                    rm.put("state", "delivered");
                    rm.put("at", d.at().toString());
                    rm.put("reply", d.reply());
                }
                case RecipientState.Failed f -> {
                    rm.put("state", "failed");
                    rm.put("at", f.at().toString());
                    rm.put("reply", f.reply());
                }
            }
            s.host(r.index()).ifPresent(h -> rm.put("host", h));
            recipients.add(rm);
        }
        m.put("recipients", recipients);
        return m;
    }

    /**
     * Exim's {@code -bp} layout: {@code age size id <sender> [*** frozen ***]}, then one line per
     * recipient, {@code D} before a delivered one and {@code F} before a failed one, with its state.
     */
    private void printListing(MessageState s) {
        Instant now = clock.instant();
        out().printf("%4s %6s %s <%s>%s%n", GreylistCommand.span(Duration.between(s.envelope().arrival(), now)),
                size(s.envelope().size()), s.id(), ClientText.escape(s.envelope().reversePath()),
                s.frozen() ? " *** frozen ***" : "");
        for (QueuedRecipient r : s.recipients()) {
            String flag;
            String state;
            switch (r.state()) {
                case RecipientState.Pending p -> {
                    flag = " ";
                    state = "pending";
                }
                case RecipientState.Deferred d -> {
                    flag = " ";
                    Duration in = Duration.between(now, d.nextAttempt());
                    state = "deferred, " + d.attempts() + (d.attempts() == 1 ? " attempt" : " attempts")
                            + (in.isNegative() || in.isZero() ? ", due now" : ", next in " + GreylistCommand.span(in))
                            + ": " + d.lastReply();
                }
                case RecipientState.Delivered d -> {
                    flag = "D";
                    state = "delivered" + s.host(r.index()).map(h -> " to " + h).orElse("");
                }
                case RecipientState.Failed f -> {
                    flag = "F";
                    state = "failed: " + f.reply();
                }
            }
            out().printf("          %s %s  (%s)%n", flag, ClientText.escape(r.address()), ClientText.escape(state));
        }
        out().println();
    }

    /** {@code 512}, {@code 2.9K}, {@code 15M}: as exim -bp writes sizes. */
    static String size(long bytes) {
        if (bytes < 1024) return Long.toString(bytes);
        if (bytes < 1024 * 1024) return String.format(Locale.ROOT, "%.1fK", bytes / 1024.0);
        if (bytes < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1fM", bytes / (1024.0 * 1024));
        return String.format(Locale.ROOT, "%.1fG", bytes / (1024.0 * 1024 * 1024));
    }

    @FunctionalInterface
    private interface Change {
        boolean apply(QueueAdmin admin, String id) throws IOException;
    }

    /** Applies {@code change} to each id; 1 if any was not queued. */
    private int each(List<String> ids, Change change, String done) {
        for (String id : ids) {
            if (!Spool.isId(id)) return usage("'" + ClientText.escape(id) + "' is not a queue id");
        }
        return run(true, admin -> {
            int status = OK;
            for (String id : ids) {
                if (change.apply(admin, id)) out().println(id + " " + done);
                else status = notQueued(id);
            }
            return status;
        });
    }

    private String checked(String id) {
        if (!Spool.isId(id)) throw new IllegalArgumentException("'" + ClientText.escape(id) + "' is not a queue id");
        return id;
    }

    private int notQueued(String id) {
        err().println("queue: " + id + " is not in the queue (delivered, bounced or removed)");
        return NOT_QUEUED;
    }

    @FunctionalInterface
    private interface Action {
        int run(QueueAdmin admin) throws IOException;
    }

    /**
     * Opens the spool of the configured {@code data_dir} and runs {@code action}; a change
     * ({@code writes}) also opens the main log, so removals and freezes are logged where the
     * server logs.
     */
    private int run(boolean writes, Action action) {
        WardenConfig c;
        try {
            c = ConfigLoader.load(config);
        } catch (ConfigException e) {
            err().println("queue: the configuration cannot be used: " + e.getMessage().replace('\n', ' '));
            return USAGE;
        }
        Spool spool = new Spool(Components.spoolDirectory(c), clock);
        MainLog log = null;
        if (writes) {
            try {
                log = new MainLog(c.dataDir().resolve("log").resolve("mainlog"), null, Clock.systemDefaultZone());
            } catch (IOException e) {
                err().println("queue: cannot write the main log (" + warden.log.Cause.of(e) + "); the change is made but not logged");
            }
        }
        MainLog mainLog = log;
        try {
            return action.run(new QueueAdmin(spool, line -> {
                if (mainLog != null) mainLog.log(line);
            }));
        } catch (IllegalArgumentException e) {
            return usage(e.getMessage());
        } catch (IOException e) {
            err().println("queue: cannot read the spool in " + spool.directory() + ": " + warden.log.Cause.of(e));
            return IOERR;
        } finally {
            if (mainLog != null) mainLog.close();
            out().flush();
            err().flush();
        }
    }

    private int usage(String message) {
        err().println("queue: " + message);
        return USAGE;
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("maps of strings and numbers always serialise", e);
        }
    }

    private PrintWriter out() { return spec.commandLine().getOut(); }

    private PrintWriter err() { return spec.commandLine().getErr(); }
}
