package warden.queue;

import warden.dsn.MessageDsn;
import warden.durable.DurableDirectory;
import warden.durable.FileModes;
import warden.durable.GroupSync;
import warden.durable.StagedFile;
import warden.message.ReceivedMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The outbound spool (version 2): one message file and one journal per queued message.
 *
 * <pre>
 * spool/tmp/ID       a message file being written (fsync, then rename into queue/)
 * spool/queue/ID     the message file: envelope ({@link SpoolEnvelope}), blank line, message; written once
 * spool/journal/ID   what happened to it since, one {@link JournalEvent} per line, appended and fsync'd
 * spool/control/ID   "look at ID again": left by {@code warden queue} tools for the running manager
 * spool/incoming/ID  version 1 files of earlier Warden versions, moved to queue/ by {@link #migrate()}
 * </pre>
 *
 * <p>A message file is written like a Maildir delivery ({@link StagedFile}): {@code tmp/ID},
 * {@code fdatasync}, rename to {@code queue/ID}, fsync of {@code queue/} shared by concurrent
 * writers. The message is copied in from its data file ({@link ReceivedMessage#writeTo}, a
 * file-to-file {@code transferTo} the kernel does without the heap), and read back as a region of
 * the file ({@link ReceivedMessage#stored}): nothing in the queue loads a body.
 *
 * <p>A message leaves the queue ({@link #remove}) by unlinking {@code queue/ID}, an fsync of
 * {@code queue/}, and only then unlinking the journal: a crash between the two leaves a journal
 * without a message, removed at the next start, never a message without its journal (which
 * would be sent again to everyone).
 *
 * <h2>Standards</h2>
 * RFC 5321 section 6.1 (once accepted, a message must be delivered or bounced, never lost);
 * RFC 3461 (the DSN parameters kept per message and recipient). After Exim's {@code -H}/{@code -D}
 * spool and {@code -J} journal, and Postfix's queue directories.
 */
public final class Spool {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    /** The control file that asks the manager to try every message now. */
    public static final String ALL = "@all";

    private final Path directory;
    private final Clock clock;
    private final GroupSync queueSync;
    private final Journal journal;
    private final Supplier<String> ids;
    private volatile boolean ready;

    /**
     * @param directory the spool directory (created on demand)
     * @param clock the arrival time written into each file
     */
    public Spool(Path directory, Clock clock) {
        this(directory, clock, true);
    }

    /** As above; {@code groupCommit} false makes every writer fsync {@code queue/} itself. */
    public Spool(Path directory, Clock clock, boolean groupCommit) {
        this(directory, clock, groupCommit, localIds());
    }

    /** As above, with the ids {@link #enqueue(String, MessageDsn, List, ReceivedMessage)} gives new messages. */
    public Spool(Path directory, Clock clock, boolean groupCommit, Supplier<String> ids) {
        this.directory = directory;
        this.clock = clock;
        this.queueSync = new GroupSync(directory.resolve("queue"), groupCommit);
        this.journal = new Journal(directory.resolve("journal"), groupCommit);
        this.ids = ids;
    }

    private static Supplier<String> localIds() {
        String prefix = Long.toString(System.currentTimeMillis(), 36) + "-" + Long.toString(ProcessHandle.current().pid(), 36);
        AtomicLong n = new AtomicLong();
        return () -> prefix + "-" + n.incrementAndGet();
    }

    public Path directory() { return directory; }

    /** Where message files are. */
    public Path queue() { return directory.resolve("queue"); }

    /** Where version 1 files of earlier versions are. */
    public Path incoming() { return directory.resolve("incoming"); }

    /** Where journals are. */
    public Path journals() { return journal.directory(); }

    /** Where the queue tools leave notes for the running manager. */
    public Path control() { return directory.resolve("control"); }

    /** The clock arrival times come from. */
    public Clock clock() { return clock; }

    /** Whether {@code id} is a usable queue id (letters, digits, {@code -} and {@code _}; a file name, never a path). */
    public static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    static String checkId(String id) throws IOException {
        if (!isId(id)) throw new IOException("not a usable queue id: " + id);
        return id;
    }

    /**
     * Writes and fsyncs the message file under {@code tmp/}: the envelope, {@code head} (the
     * Received block, CRLF line ends), then the message as received, copied from its data file
     * without passing through the heap. Commit and sync it as a {@link StagedFile} (its
     * {@link StagedFile#targetSync()} is {@code queue/}'s).
     *
     * @throws IOException if it cannot be written, or the queue id is already in the spool
     */
    public StagedFile stage(String queueId, String reversePath, MessageDsn dsn, List<Recipient> recipients,
                            ByteBuffer head, ReceivedMessage message) throws IOException {
        SpoolEnvelope env = envelope(queueId, clock.instant(), reversePath, dsn, recipients,
                head.remaining() + message.size());
        return stage(env, ch -> message.writeTo(ch, ByteBuffer.wrap(env.bytes()), head.duplicate()));
    }

    private SpoolEnvelope envelope(String queueId, Instant arrival, String reversePath, MessageDsn dsn,
                                   List<Recipient> recipients, long size) throws IOException {
        checkId(queueId);
        if (recipients.isEmpty()) throw new IOException("a spool file needs a recipient");
        SpoolEnvelope.oneLine(reversePath);
        return new SpoolEnvelope(queueId, arrival, reversePath, dsn, recipients, size, -1, 2);
    }

    private StagedFile stage(SpoolEnvelope env, StagedFile.Content content) throws IOException {
        Path target = queue().resolve(env.id());
        if (!ready) create();
        if (Files.exists(target)) throw new FileAlreadyExistsException(target.toString(), null, "queue id in use");
        try {
            return StagedFile.write(directory.resolve("tmp").resolve(env.id()), target, queueSync, FileModes.PRIVATE, content);
        } catch (NoSuchFileException gone) {
            ready = false;
            create();
            return StagedFile.write(directory.resolve("tmp").resolve(env.id()), target, queueSync, FileModes.PRIVATE, content);
        }
    }

    /**
     * Queues a new message (a report, a message from {@code warden sendmail}) under a new id and
     * returns once it is durable (file and directory fsync'd). The caller still owns {@code content}.
     */
    public String enqueue(String reversePath, MessageDsn dsn, List<Recipient> recipients, ReceivedMessage content)
            throws IOException {
        String id = ids.get();
        enqueue(id, reversePath, dsn, recipients, content);
        return id;
    }

    /**
     * As above under a given id.
     *
     * @throws FileAlreadyExistsException if that id is queued already
     */
    public void enqueue(String id, String reversePath, MessageDsn dsn, List<Recipient> recipients,
                        ReceivedMessage content) throws IOException {
        SpoolEnvelope env = envelope(id, clock.instant(), reversePath, dsn, recipients, content.size());
        StagedFile f = stage(env, ch -> content.writeTo(ch, ByteBuffer.wrap(env.bytes())));
        try {
            f.commit();
            f.targetSync().sync();
        } catch (IOException | RuntimeException e) {
            f.discard();
            throw e;
        }
    }

    /** The envelope of queued message {@code id}. @throws NoSuchFileException if it is not queued */
    public SpoolEnvelope envelope(String id) throws IOException {
        return SpoolEnvelope.read(queue().resolve(checkId(id)));
    }

    /** Envelope and journal of {@code id}: where it stands, without its body. */
    public MessageState state(String id) throws IOException {
        return MessageState.of(envelope(id), journal.read(id));
    }

    /** The journal events of {@code id}, in order (empty when none). */
    public List<JournalEvent> journal(String id) throws IOException {
        return journal.read(checkId(id));
    }

    /** {@code state}'s message with its content, a view of the spool file (only its header block is read). */
    public QueuedMessage message(MessageState state) throws IOException {
        SpoolEnvelope e = state.envelope();
        Path file = queue().resolve(e.id());
        return new QueuedMessage(file, e.id(), e.arrival(), e.reversePath(), e.dsn(), state.recipients(),
                ReceivedMessage.stored(file, e.contentOffset(), e.size()));
    }

    /** The queued message {@code id} with every recipient's state. */
    public QueuedMessage read(String id) throws IOException {
        return message(state(id));
    }

    /** Appends {@code events} to {@code id}'s journal; durable on return. */
    public void append(String id, List<? extends JournalEvent> events) throws IOException {
        if (!ready) create();
        journal.append(checkId(id), events);
        if (!Files.exists(queue().resolve(id))) {
            // removed meanwhile (warden queue remove): the journal must not outlive it
            journal.delete(id);
            throw new NoSuchFileException(queue().resolve(id).toString(), null, "no longer queued");
        }
    }

    /** As above, one event. */
    public void append(String id, JournalEvent event) throws IOException {
        append(id, List.of(event));
    }

    /** Whether {@code id} is queued. */
    public boolean contains(String id) {
        return isId(id) && Files.exists(queue().resolve(id));
    }

    /** Calls {@code each} with the id of every queued message, streaming the directory. */
    public void forEachId(IdConsumer each) throws IOException {
        if (!Files.isDirectory(queue())) return;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(queue())) {
            for (Path p : s) {
                String id = p.getFileName().toString();
                if (isId(id)) each.accept(id);
            }
        }
    }

    /** What {@link #forEachId} calls. */
    @FunctionalInterface
    public interface IdConsumer {
        void accept(String id) throws IOException;
    }

    /**
     * Takes {@code id} out of the queue for good: its message file (durably), then its journal.
     *
     * @return false if it was not queued
     */
    public boolean remove(String id) throws IOException {
        checkId(id);
        boolean was = Files.deleteIfExists(queue().resolve(id));
        queueSync.sync();
        journal.delete(id);
        return was;
    }

    /**
     * Removes the journals of messages no longer queued (a crash between {@link #remove}'s two
     * steps); for the start, before anything else runs.
     *
     * @return how many
     */
    public int removeOrphanJournals() throws IOException {
        int n = 0;
        // Two directory listings, not a stat per journal: with 100 000 deferred messages this runs
        // before serve listens.
        Set<String> queued = new java.util.HashSet<>();
        forEachId(queued::add);
        for (String id : journal.ids()) {
            if (!queued.contains(id) && !Files.exists(queue().resolve(id))) {
                journal.delete(id);
                n++;
            }
        }
        return n;
    }

    /**
     * Moves the version 1 files of earlier versions ({@code incoming/ID}: no DSN parameters, no
     * journal) into the queue as version 2 files with the same id and arrival time. Each is
     * durable in {@code queue/} before its old file is removed; a crash in between leaves both,
     * and the next run removes the old one.
     *
     * @return how many were moved
     * @throws IOException for a file that cannot be read or written (the others are moved)
     */
    public int migrate() throws IOException {
        if (!Files.isDirectory(incoming())) return 0;
        if (!ready) create();
        List<Path> old = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(incoming())) {
            for (Path p : s) if (isId(p.getFileName().toString())) old.add(p);
        }
        int n = 0;
        IOException first = null;
        for (Path p : old) {
            try {
                String id = p.getFileName().toString();
                if (!Files.exists(queue().resolve(id))) {
                    SpoolEnvelope v1 = SpoolEnvelope.read(p);
                    SpoolEnvelope v2 = envelope(id, v1.arrival(), v1.reversePath(), v1.dsn(), v1.recipients(), v1.size());
                    StagedFile f = stage(v2, ch -> {
                        ByteBuffer env = ByteBuffer.wrap(v2.bytes());
                        while (env.hasRemaining()) ch.write(env);
                        try (FileChannel in = FileChannel.open(p, StandardOpenOption.READ)) {
                            long pos = 0;
                            while (pos < v1.size()) pos += in.transferTo(v1.contentOffset() + pos, v1.size() - pos, ch);
                        }
                    });
                    f.commit();
                    f.targetSync().sync();
                    n++;
                }
                Files.delete(p);
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        GroupSync.fsync(incoming());
        if (first != null) throw first;
        return n;
    }

    /**
     * Leaves a note for the running manager to look at {@code id} again (or at everything, for
     * {@link #ALL}): an empty file {@code control/NAME}. The manager looks twice a second.
     */
    public void signal(String name) throws IOException {
        if (!name.equals(ALL)) checkId(name);
        Files.createDirectories(control());
        try {
            Files.createFile(control().resolve(name));
        } catch (FileAlreadyExistsException already) {
            // one note is enough
        }
    }

    /** Takes the notes {@link #signal} left: their names, each note removed. */
    public List<String> takeSignals() throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(control())) return out;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(control())) {
            for (Path p : s) {
                if (Files.deleteIfExists(p)) out.add(p.getFileName().toString());
            }
        }
        return out;
    }

    private void create() throws IOException {
        DurableDirectory.create(directory.resolve("tmp"));
        DurableDirectory.create(queue());
        DurableDirectory.create(journals());
        ready = true;
    }
}
