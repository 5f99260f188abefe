package warden.delivery;

import warden.durable.DurableDirectory;
import warden.durable.GroupSync;
import warden.durable.StagedFile;
import warden.message.ReceivedMessage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * One Maildir (or one Maildir++ folder inside it): delivers a message as a new file under a name
 * nobody else will ever use, by the Maildir protocol.
 *
 * <p>Delivery: create {@code tmp/NAME}, write, fsync, rename to {@code new/NAME}, fsync
 * {@code new/} (shared through {@link GroupSync} with concurrent deliveries). The name is
 * {@code <secs>.M<micros>P<pid>Q<seq>.<host>,S=<size>}: time, process id and a per-process
 * counter make it unique, and {@code S=} is the size of the stored file so that IMAP servers need
 * not stat it (Courier/Dovecot convention). The same name is used in {@code tmp/} and {@code new/}.
 *
 * <p>Directories are created on demand ({@code tmp new cur}, durably), the first time a message
 * arrives or whenever they have gone missing. A folder such as {@code Junk} is the Maildir++
 * directory {@code .Junk} with its own {@code tmp new cur} and an empty {@code maildirfolder}
 * marker file; nested folders use dots ({@code Lists.warden}).
 *
 * <p>Line ends: files in a Maildir conventionally use LF (the local Unix convention every mail
 * reader expects), so {@link #toLf} turns each CRLF into LF; a lone CR or LF is kept as it is.
 *
 * <h2>Standards</h2>
 * maildir(5) and D. J. Bernstein's "Using maildir format"; the Maildir++ specification (Courier);
 * OpenSMTPD {@code mail.maildir.c} (fsync before rename, fsync of {@code new/} after).
 *
 * <p>Not done: quotas ({@code maildirsize}), the {@code :2,} info suffix (that is for {@code cur/}),
 * file ownership and modes (Warden runs as one user; files get its umask).
 */
public final class Maildir {

    private static final Pattern FOLDER = Pattern.compile("[A-Za-z0-9_+-]+(\\.[A-Za-z0-9_+-]+)*");
    private static final long PID = ProcessHandle.current().pid();
    // Unique within the process whatever the number of Maildir objects for one directory:
    // the uniqueness of names is a property of the process, so the counter is too.
    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final Path root;
    private final Maildir parent;
    private final String host;
    private final Clock clock;
    private final boolean groupCommit;
    private final GroupSync newSync;
    private final ConcurrentHashMap<String, Maildir> folders = new ConcurrentHashMap<>();
    private volatile boolean ready;

    /**
     * @param root the Maildir directory (created on demand)
     * @param hostname our host name, part of every file name
     * @param clock the time in file names
     */
    public Maildir(Path root, String hostname, Clock clock) {
        this(root, null, hostname, clock, true);
    }

    Maildir(Path root, Maildir parent, String hostname, Clock clock, boolean groupCommit) {
        this.root = root;
        this.parent = parent;
        // maildir(5): '/' and ':' in the host name are written as octal escapes.
        this.host = hostname.replace("/", "\\057").replace(":", "\\072");
        this.clock = clock;
        this.groupCommit = groupCommit;
        this.newSync = new GroupSync(root.resolve("new"), groupCommit);
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
        return folders.computeIfAbsent(name, n -> new Maildir(root.resolve("." + n), this, host, clock, groupCommit));
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
        if (!ready) create();
        try {
            return StagedFile.write(root.resolve("tmp").resolve(name), root.resolve("new").resolve(name), newSync, content);
        } catch (NoSuchFileException gone) {
            // Someone removed the Maildir while we ran: make it again, once.
            ready = false;
            create();
            return StagedFile.write(root.resolve("tmp").resolve(name), root.resolve("new").resolve(name), newSync, content);
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

    private void create() throws IOException {
        if (parent != null && !parent.ready) parent.create();
        for (String sub : new String[] {"tmp", "new", "cur"}) DurableDirectory.create(root.resolve(sub));
        if (parent != null) {
            // Maildir++: the marker tells IMAP servers and delivery agents this is a folder.
            try (FileChannel marker = FileChannel.open(root.resolve("maildirfolder"),
                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
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
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + PID + "Q" + SEQUENCE.incrementAndGet()
                + "." + host + ",S=" + size;
    }

    /** The message with every CRLF turned into LF; lone CR and LF bytes are kept. */
    public static byte[] toLf(byte[] crlf) {
        byte[] out = new byte[crlf.length];
        int n = 0;
        for (int i = 0; i < crlf.length; i++) {
            byte b = crlf[i];
            if (b == '\r' && i + 1 < crlf.length && crlf[i + 1] == '\n') continue;
            out[n++] = b;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }
}
