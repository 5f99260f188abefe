package warden.delivery;

import warden.durable.FileModes;
import warden.durable.GroupSync;
import warden.durable.StagedFile;
import warden.log.MainLog;
import warden.message.DataFiles;
import warden.message.ReceivedMessage;
import warden.dsn.MessageDsn;
import warden.dsn.RecipientDsn;
import warden.queue.LocalDelivery;
import warden.queue.QueuedMessage;
import warden.queue.Recipient;
import warden.queue.Spool;
import warden.recipient.LocalPart;
import warden.recipient.Route;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link MessageStore} of a single host: local mailboxes are Maildirs found through a path
 * template, remote addresses go to the outbound {@link Spool}.
 *
 * <p>One copy per mailbox, however many envelope addresses reach it (its {@code Envelope-to:}
 * lists them all), and one spool file for all remote addresses. Each copy gets its own header
 * block from {@link DeliveryHeaders}, followed by the message streamed from its data file
 * ({@link warden.message.ReceivedMessage}): the body never passes through the heap whole.
 *
 * <p>All or nothing: every copy is written and fsync'd under {@code tmp/} first, then all are
 * renamed into place, then each target directory is fsync'd (shared with concurrent deliveries
 * through {@link GroupSync}). {@link #deliver} returns only after that. If any step fails, every
 * copy made so far is removed (temporary or delivered), the removal synced, and the
 * {@link IOException} goes to the caller, who answers 451: the client will send again, and no
 * mailbox ends up with the message twice or half.
 *
 * <p>Main log: one line per copy,
 * {@code <id> => bob <bob@example.org>, <b@example.org> R=virtual T=maildir P=var/mail/bob/Maildir/new/...}
 * ({@code R=localuser} when every address was {@code @localhost} or our host name). Spooling for
 * remote addresses is not logged as a delivery: the queue manager writes {@code =>} when the next
 * hop confirms, and is told of each spooled message through {@link #onSpooled}.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.4 (trace headers), 6.1 (reliable delivery: the 250 is a promise);
 * maildir(5); the seed's {@code transport_localuser}.
 *
 * <p>Not done: per-user file ownership (Exim's {@code group = mail}; the mode is {@code mailbox_file_mode}),
 * quotas, Sieve.
 */
public final class LocalStore implements MessageStore, LocalDelivery {

    private static final String USER = "{user}";
    /** The data files of messages being received, in the spool directory: the same file system. */
    public static final String RECEIVING = "receiving";

    private final String template;
    private final Spool spool;
    private final String hostname;
    private final MainLog log;
    private final DeliveryHeaders headers;
    private final Clock clock;
    private final boolean groupCommit;
    private final FileModes modes;
    private final ConcurrentHashMap<String, Maildir> maildirs = new ConcurrentHashMap<>();
    private final DataFiles dataFiles;
    private volatile Consumer<String> spooled = id -> { };

    /**
     * @param mailboxTemplate where a user's Maildir is, with {@code {user}} for the mailbox name,
     *        such as {@code var/mail/{user}/Maildir}
     * @param spoolDirectory the outbound spool
     * @param hostname our host name (Maildir file names, {@code R=localuser} in the log)
     * @param log the main log, for the {@code =>} lines
     * @throws IllegalArgumentException if the template has no {@code {user}}
     */
    public LocalStore(String mailboxTemplate, Path spoolDirectory, String hostname, MainLog log) {
        this(mailboxTemplate, spoolDirectory, hostname, log, Clock.systemDefaultZone());
    }

    /** As above, with the clock used for file names and {@code Delivery-date:}. */
    public LocalStore(String mailboxTemplate, Path spoolDirectory, String hostname, MainLog log, Clock clock) {
        this(mailboxTemplate, spoolDirectory, hostname, log, clock, true, FileModes.PRIVATE);
    }

    /** As above, Maildir files and directories created with {@code modes} (0600/0700 by default). */
    public LocalStore(String mailboxTemplate, Path spoolDirectory, String hostname, MainLog log, Clock clock,
                      FileModes modes) {
        this(mailboxTemplate, spoolDirectory, hostname, log, clock, true, modes);
    }

    LocalStore(String mailboxTemplate, Path spoolDirectory, String hostname, MainLog log, Clock clock,
               boolean groupCommit) {
        this(mailboxTemplate, spoolDirectory, hostname, log, clock, groupCommit, FileModes.PRIVATE);
    }

    LocalStore(String mailboxTemplate, Path spoolDirectory, String hostname, MainLog log, Clock clock,
               boolean groupCommit, FileModes modes) {
        if (!mailboxTemplate.contains(USER)) {
            throw new IllegalArgumentException("the mailbox path '" + mailboxTemplate + "' has no " + USER
                    + "; write it like var/mail/{user}/Maildir");
        }
        this.template = mailboxTemplate;
        this.spool = new Spool(spoolDirectory, clock, groupCommit);
        this.dataFiles = new DataFiles(spoolDirectory.resolve(RECEIVING));
        this.hostname = hostname.toLowerCase(Locale.ROOT);
        this.log = log;
        this.headers = new DeliveryHeaders(clock);
        this.clock = clock;
        this.groupCommit = groupCommit;
        this.modes = modes;
    }

    /** The Maildir of {@code user}. @throws IllegalArgumentException if the name is not a safe mailbox name */
    public Maildir maildir(String user) {
        if (!LocalPart.isMailboxName(user)) throw new IllegalArgumentException("not a mailbox name: " + user);
        return maildirs.computeIfAbsent(user,
                u -> new Maildir(Path.of(template.replace(USER, u)), null, hostname, clock, groupCommit, modes));
    }

    /** The outbound spool remote recipients are written to. */
    public Spool spool() {
        return spool;
    }

    /** Data files under {@code <spool>/}{@value #RECEIVING}, beside the spool's own files. */
    @Override
    public DataFiles dataFiles() {
        return dataFiles;
    }

    /** One mailbox's copy: the folder it goes into and the addresses that reached it. */
    private record LocalCopy(String user, String folder, Set<String> recipients) {}

    @Override
    public DeliveryReport deliver(InboundMessage message) throws IOException {
        Map<String, LocalCopy> local = new LinkedHashMap<>();
        Map<String, Recipient> remote = new LinkedHashMap<>();
        for (String rcpt : message.envelope().recipients()) {
            List<Route> routes = message.routes().get(rcpt);
            if (routes == null || routes.isEmpty()) throw new IOException("no route for <" + rcpt + ">");
            for (Route r : routes) {
                switch (r) {
                    // XXX one copy per user: if two addresses put the same user in different folders,
                    // the first address decides the folder.
                    case Route.Mailbox m -> local.computeIfAbsent(m.user(),
                            u -> new LocalCopy(u, m.folder(), new LinkedHashSet<>())).recipients().add(rcpt);
                    case Route.Remote x -> remote.putIfAbsent(x.address(), remote(x.address(), rcpt, message));
                }
            }
        }

        List<StagedFile> staged = new ArrayList<>();
        List<DeliveryReport.Copy> copies = new ArrayList<>();
        try {
            for (LocalCopy c : local.values()) {
                Maildir box;
                try {
                    box = maildir(c.user()).folder(c.folder());
                } catch (IllegalArgumentException e) {
                    throw new IOException(e.getMessage(), e);
                }
                List<String> rcpts = List.copyOf(c.recipients());
                String head = headers.finalDelivery(message.envelope().reversePath(), rcpts, message.trace(),
                        message.extraHeaders());
                byte[] crlf = head.getBytes(StandardCharsets.UTF_8);
                staged.add(box.stage(ByteBuffer.wrap(ReceivedMessage.toLf(crlf, crlf.length)), message.content()));
                copies.add(new DeliveryReport.Copy(join(rcpts), c.user(), staged.getLast().target().toString()));
            }
            if (!remote.isEmpty()) {
                List<String> to = List.copyOf(remote.keySet());
                String head = headers.relay(to, message.trace(), message.extraHeaders());
                staged.add(spool.stage(message.trace().queueId(), message.envelope().reversePath(), messageDsn(message),
                        List.copyOf(remote.values()), ByteBuffer.wrap(head.getBytes(StandardCharsets.UTF_8)),
                        message.content()));
                copies.add(new DeliveryReport.Copy(join(to), "spool", staged.getLast().target().toString()));
            }
            for (StagedFile f : staged) f.commit();
            for (GroupSync dir : directories(staged)) dir.sync();
        } catch (IOException | RuntimeException e) {
            undo(staged);
            throw e instanceof IOException io ? io : new IOException(e);
        }

        String id = message.trace().queueId();
        int i = 0;
        for (LocalCopy c : local.values()) {
            DeliveryReport.Copy copy = copies.get(i++);
            log.log(id + " => " + c.user() + " " + brackets(c.recipients()) + " R=" + router(c.recipients())
                    + " T=maildir P=" + copy.path());
        }
        // Spooling is not delivery: the queue manager logs => when the next hop confirms.
        if (!remote.isEmpty()) spooled.accept(id);
        return new DeliveryReport(copies);
    }

    /**
     * Calls {@code listener} with the queue id of each message spooled, once it is durable: the
     * queue manager's cue to try it at once. Set before the server accepts.
     */
    public void onSpooled(Consumer<String> listener) {
        this.spooled = listener;
    }

    /**
     * The spooled recipient for {@code address}, reached through envelope recipient {@code rcpt},
     * with the DSN parameters given at RCPT. When an alias sent {@code rcpt} elsewhere and the
     * client gave no ORCPT, the original address becomes the ORCPT (RFC 3461 section 5.2.1 allows
     * it), so a report names the address the sender used.
     */
    static Recipient remote(String address, String rcpt, InboundMessage message) {
        RecipientDsn dsn = recipientDsn(message, rcpt);
        if (dsn.orcpt().isEmpty() && !address.equals(rcpt) && rcpt.chars().allMatch(c -> c < 0x80)) {
            dsn = new RecipientDsn(dsn.notifications(), Optional.of("rfc822;" + rcpt));
        }
        return new Recipient(address, dsn);
    }

    /** The DSN parameters given at RCPT for {@code rcpt}. */
    static RecipientDsn recipientDsn(InboundMessage message, String rcpt) {
        return message.envelope().dsn(rcpt);
    }

    /** {@code RET} and {@code ENVID} given at MAIL. */
    static MessageDsn messageDsn(InboundMessage message) {
        return message.envelope().dsn();
    }

    /**
     * A copy of a queued message into a local mailbox (a bounce to a local sender): the queue's
     * content already starts with our Received header, so only Return-path, Envelope-to and
     * Delivery-date go on top. Durable on return.
     */
    @Override
    public LocalDelivery.Copy deliver(QueuedMessage message, List<String> addresses, Route.Mailbox mailbox)
            throws IOException {
        Maildir box;
        try {
            box = maildir(mailbox.user()).folder(mailbox.folder());
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        byte[] crlf = headers.finalDelivery(message.reversePath(), addresses).getBytes(StandardCharsets.UTF_8);
        StagedFile f = box.stage(ByteBuffer.wrap(ReceivedMessage.toLf(crlf, crlf.length)), message.content());
        try {
            f.commit();
            f.targetSync().sync();
        } catch (IOException | RuntimeException e) {
            undo(List.of(f));
            throw e;
        }
        return new LocalDelivery.Copy(router(new LinkedHashSet<>(addresses)), f.target());
    }

    /** Removes every copy and makes the removal durable, so a crash does not bring a copy back. */
    private static void undo(List<StagedFile> staged) {
        for (StagedFile f : staged) f.discard();
        for (GroupSync dir : directories(staged)) {
            try {
                dir.sync();
            } catch (IOException ignored) {
                // XXX a copy may come back after a crash; the client was told 451 and may send it again
            }
        }
    }

    private static Set<GroupSync> directories(List<StagedFile> staged) {
        Set<GroupSync> dirs = new LinkedHashSet<>();
        for (StagedFile f : staged) dirs.add(f.targetSync());
        return dirs;
    }

    private String router(Set<String> rcpts) {
        for (String r : rcpts) {
            String d = r.substring(r.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            if (!d.equals("localhost") && !d.equals(hostname) && r.contains("@")) return "virtual";
        }
        return "localuser";
    }

    private static String join(List<String> rcpts) {
        return String.join(", ", rcpts);
    }

    private static String brackets(Set<String> rcpts) {
        StringBuilder b = new StringBuilder();
        for (String r : rcpts) b.append(b.isEmpty() ? "" : ", ").append('<').append(r).append('>');
        return b.toString();
    }
}
