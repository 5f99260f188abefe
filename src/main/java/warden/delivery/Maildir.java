package warden.delivery;

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
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One Maildir (or one Maildir++ folder inside it): delivers a message as a new file under a name
 * nobody else will ever use, by the Maildir protocol.
 *
 * <p>Delivery: create {@code tmp/NAME}, write, fsync, rename to {@code new/NAME}, fsync
 * {@code new/} (shared through {@link GroupSync} with concurrent deliveries). The name is
 * {@code <secs>.M<micros>P<pid>R<random>Q<seq>.<host>,S=<size>}: time, process id, a random
 * number drawn once per process (64 bits from {@link SecureRandom}) and a per-process counter.
 * maildir(5) asks for the random part because time and pid are not enough: a server restarted
 * within the same second, or one in a container where the pid is always 1, would repeat them.
 * {@code S=} is the size of the stored file so that IMAP servers need not stat it
 * (Courier/Dovecot convention). The same name is used in {@code tmp/} and {@code new/}.
 *
 * <p>Files are created {@code 0600} and directories {@code 0700} by default, whatever the umask
 * ({@link FileModes}; the {@code mailbox_file_mode} and {@code mailbox_directory_mode} keys).
 *
 * <p>Directories are created on demand ({@code tmp new cur}, durably), the first time a message
 * arrives or whenever they have gone missing: {@code new/} is looked for before each delivery
 * (one {@code stat}), a missing {@code tmp/} is noticed when the write fails. On the first
 * delivery after start, and then at most once an hour, the Maildir is healed: {@code tmp new cur}
 * made again if missing, and files left in {@code tmp/} for more than 36 hours (by a crashed
 * writer) removed, as maildir(5) says. A folder such as {@code Junk} is the Maildir++
 * directory {@code .Junk} with its own {@code tmp new cur} and an empty {@code maildirfolder}
 * marker file; nested folders use dots ({@code Lists.warden}).
 *
 * <p>Line ends: files in a Maildir conventionally use LF (the local Unix convention every mail
 * reader expects), so each CRLF is written as LF ({@link ReceivedMessage#writeLfTo}); a lone CR or LF is
 * kept as it is.
 *
 * <h2>Standards</h2>
 * maildir(5) and D. J. Bernstein's "Using maildir format"; the Maildir++ specification (Courier);
 * OpenSMTPD {@code mail.maildir.c} (fsync before rename, fsync of {@code new/} after).
 *
 * <p>Not done: quotas ({@code maildirsize}), the {@code :2,} info suffix (that is for {@code cur/}),
 * file ownership (Warden runs as one user).
 */
public final class Maildir {

    private static final Pattern FOLDER = Pattern.compile("[A-Za-z0-9_+-]+(\\.[A-Za-z0-9_+-]+)*");
    private static final long PID = ProcessHandle.current().pid();
    // Unique within the process whatever the number of Maildir objects for one directory:
    // the uniqueness of names is a property of the process, so the counter is too.
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** maildir(5)'s {@code R}: random, so that pid and time repeated after a restart never repeat a name. */
    private static final String RANDOM = HexFormat.of().toHexDigits(new SecureRandom().nextLong());
    /** maildir(5): a file in {@code tmp/} untouched for 36 hours is left over and may be removed. */
    static final Duration STALE = Duration.ofHours(36);
    /** How often a Maildir in use is healed (the first delivery after start, then at most this often). */
    static final Duration HEALING_INTERVAL = Duration.ofHours(1);

    private final Path root;
    private final Maildir parent;
    private final String host;
    private final Clock clock;
    private final boolean groupCommit;
    private final GroupSync newSync;
    private final FileModes modes;
    private final AtomicLong nextHealing = new AtomicLong(Long.MIN_VALUE);
    private final ConcurrentHashMap<String, Maildir> folders = new ConcurrentHashMap<>();
    private volatile boolean ready;

    /**
     * @param root the Maildir directory (created on demand)
     * @param hostname our host name, part of every file name
     * @param clock the time in file names
     */
    public Maildir(Path root, String hostname, Clock clock) {
        this(root, null, hostname, clock, true, FileModes.PRIVATE);
    }

    /** As above, files and directories created with {@code modes}. */
    public Maildir(Path root, String hostname, Clock clock, FileModes modes) {
        this(root, null, hostname, clock, true, modes);
    }

    Maildir(Path root, Maildir parent, String hostname, Clock clock, boolean groupCommit, FileModes modes) {
        this.root = root;
        this.parent = parent;
        // maildir(5): '/' and ':' in the host name are written as octal escapes.
        this.host = hostname.replace("/", "\\057").replace(":", "\\072");
        this.clock = clock;
        this.groupCommit = groupCommit;
        this.newSync = new GroupSync(root.resolve("new"), groupCommit);
        this.modes = modes;
    }

    /** The Maildir directory. */
    public Path root() { return root; }

    /**
     * The Maildir++ folder {@code name} ({@code Junk}, {@code Lists.warden}), or this Maildir for
     * the empty name (the inbox).
     *
     * @throws IllegalArgumentException if the name could leave the Maildir or is not a folder name
     */
    public Maildir folder(String name) {
        if (name.isEmpty()) return this;
        if (parent != null) throw new IllegalArgumentException("folders nest with dots, not inside folders");
        if (!FOLDER.matcher(name).matches()) throw new IllegalArgumentException("not a Maildir++ folder name: " + name);
        return folders.computeIfAbsent(name, n -> new Maildir(root.resolve("." + n), this, host, clock, groupCommit, modes));
    }

    /**
     * Writes a message into {@code tmp/} and fsyncs it; the caller then commits it into
     * {@code new/} and syncs (see {@link StagedFile}). The parts are stored as given, in order.
     */
    public StagedFile stage(ByteBuffer... parts) throws IOException {
        long size = 0;
        for (ByteBuffer b : parts) size += b.remaining();
        return stage(size, ch -> {
            ByteBuffer[] copy = new ByteBuffer[parts.length];
            for (int i = 0; i < parts.length; i++) copy[i] = parts[i].duplicate();
            long left = 0;
            for (ByteBuffer b : copy) left += b.remaining();
            while (left > 0) left -= ch.write(copy);
        });
    }

    /**
     * Writes {@code head} (LF line ends), then {@code message} with each CRLF as LF, into
     * {@code tmp/} and fsyncs it, streaming the message from its data file; then as above.
     */
    public StagedFile stage(ByteBuffer head, ReceivedMessage message) throws IOException {
        return stage(head.remaining() + message.lfSize(), ch -> message.writeLfTo(ch, head.duplicate()));
    }

    private StagedFile stage(long size, StagedFile.Content content) throws IOException {
        String name = uniqueName(size);
        healIfDue();
        // A new/ removed under us is made again; something else in its place is not ours to replace.
        if (!ready || !Files.exists(root.resolve("new"), LinkOption.NOFOLLOW_LINKS)) create();
        try {
            return StagedFile.write(root.resolve("tmp").resolve(name), root.resolve("new").resolve(name), newSync,
                    modes, content);
        } catch (NoSuchFileException gone) {
            // Someone removed the Maildir (or its tmp/) while we ran: make it again, once.
            ready = false;
            create();
            return StagedFile.write(root.resolve("tmp").resolve(name), root.resolve("new").resolve(name), newSync,
                    modes, content);
        }
    }

    /** Stages, commits and syncs one message; returns its path in {@code new/}. */
    public Path deliver(ByteBuffer... parts) throws IOException {
        StagedFile f = stage(parts);
        try {
            f.commit();
            f.targetSync().sync();
        } catch (IOException | RuntimeException e) {
            f.discard();
            throw e;
        }
        return f.path();
    }

    /** On the first delivery after start, then at most once per {@link #HEALING_INTERVAL}: {@link #heal()}. */
    private void healIfDue() {
        long now = clock.millis();
        long due = nextHealing.get();
        if (now < due || !nextHealing.compareAndSet(due, now + HEALING_INTERVAL.toMillis())) return;
        try {
            heal();
        } catch (IOException | RuntimeException e) {
            // Healing is housekeeping: the delivery that follows makes what it needs, or fails on its own.
            ready = false;
        }
    }

    /**
     * Makes {@code tmp new cur} again if any is missing and removes files left in {@code tmp/} for
     * more than 36 hours (maildir(5)); returns how many it removed. Age is measured by the file
     * system's clock (modification time against the current time), not by the injected clock, so
     * that a file being written now is never taken for an old one.
     */
    int heal() throws IOException {
        ready = false;
        create();
        FileTime cutoff = FileTime.fromMillis(System.currentTimeMillis() - STALE.toMillis());
        int removed = 0;
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(root.resolve("tmp"))) {
            for (Path f : tmp) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (!a.isDirectory() && a.lastModifiedTime().compareTo(cutoff) < 0 && Files.deleteIfExists(f)) removed++;
                } catch (NoSuchFileException gone) {
                    // renamed into new/ or removed meanwhile
                }
            }
        }
        return removed;
    }

    private void create() throws IOException {
        if (parent != null && !parent.ready) parent.create();
        for (String sub : new String[] {"tmp", "new", "cur"}) DurableDirectory.create(root.resolve(sub), modes);
        if (parent != null) {
            // Maildir++: the marker tells IMAP servers and delivery agents this is a folder.
            try (FileChannel marker = modes.createFile(root.resolve("maildirfolder"))) {
                marker.force(true);
            } catch (FileAlreadyExistsException ignored) {
                // made by an earlier delivery
            }
            GroupSync.fsync(root);
        }
        ready = true;
    }

    private String uniqueName(long size) {
        Instant now = clock.instant();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + PID + "R" + RANDOM + "Q" + SEQUENCE.incrementAndGet()
                + "." + host + ",S=" + size;
    }
}
