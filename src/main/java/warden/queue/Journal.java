package warden.queue;

import warden.durable.FileModes;
import warden.durable.GroupSync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The journals of queued messages: {@code spool/journal/ID}, one append-only file per message,
 * one {@link JournalEvent} per line.
 *
 * <p>{@link #append} writes the lines with one {@code write}, then {@code fdatasync}s the file;
 * the first append also creates the file, and makes its name durable with an fsync of the
 * journal directory (shared by concurrent writers through {@link GroupSync}). It returns only
 * then: a delivery is recorded as delivered before anything else happens.
 *
 * <p>A crash in the middle of an append can leave a last line without its LF (a torn write).
 * {@link #read} ignores such a line, and the next {@link #append} cuts it off first, so it
 * never glues onto a whole line. Appends from several processes ({@code serve} and
 * {@code warden queue freeze}) are serialised with an {@code fcntl} lock on the file; appends
 * from threads of one process with an in-process lock, as {@code fcntl} locks belong to the process.
 *
 * <h2>Standards</h2>
 * POSIX {@code fdatasync(2)}, {@code fcntl(2)} record locks. After Exim's {@code -J} journal file.
 */
final class Journal {

    private static final ReentrantLock[] LOCKS = new ReentrantLock[64];

    static {
        for (int i = 0; i < LOCKS.length; i++) LOCKS[i] = new ReentrantLock();
    }

    private final Path directory;
    private final GroupSync sync;

    Journal(Path directory, boolean groupCommit) {
        this.directory = directory;
        this.sync = new GroupSync(directory, groupCommit);
    }

    Path directory() { return directory; }

    Path file(String id) { return directory.resolve(id); }

    /**
     * Appends {@code events} to {@code id}'s journal and makes them durable.
     *
     * @throws IOException if they cannot be written and synced: then they may or may not be there
     */
    void append(String id, List<? extends JournalEvent> events) throws IOException {
        if (events.isEmpty()) return;
        StringBuilder b = new StringBuilder(128 * events.size());
        for (JournalEvent e : events) b.append(e.line()).append('\n');
        ByteBuffer bytes = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
        Path file = file(id);
        ReentrantLock local = LOCKS[Math.floorMod(id.hashCode(), LOCKS.length)];
        local.lock();
        boolean created;
        try {
            created = !Files.exists(file);
            try (FileChannel ch = open(file);
                 FileLock ignored = ch.lock()) {
                long size = ch.size();
                if (size > 0) {
                    long whole = wholeLines(ch, size);
                    if (whole != size) ch.truncate(whole); // a torn last line from a crash
                }
                ch.position(ch.size());
                while (bytes.hasRemaining()) ch.write(bytes);
                ch.force(false);
            }
        } finally {
            local.unlock();
        }
        if (created) sync.sync();
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            try {
                FileChannel ch = FileModes.PRIVATE.createFile(file);
                ch.close();
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another writer made it
            }
            return FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
        }
    }

    /** The length of the file up to and including its last LF. */
    private static long wholeLines(FileChannel ch, long size) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        ch.read(one, size - 1);
        if (one.get(0) == '\n') return size;
        ByteBuffer chunk = ByteBuffer.allocate(4096);
        long end = size;
        while (end > 0) {
            long start = Math.max(0, end - chunk.capacity());
            chunk.clear().limit((int) (end - start));
            while (chunk.hasRemaining() && ch.read(chunk, start + chunk.position()) > 0) { }
            for (int i = (int) (end - start) - 1; i >= 0; i--) {
                if (chunk.get(i) == '\n') return start + i + 1;
            }
            end = start;
        }
        return 0;
    }

    /**
     * The events of {@code id}'s journal, in order; empty when it has none. A last line without
     * LF (torn) and lines that do not parse are left out.
     */
    List<JournalEvent> read(String id) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file(id));
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<JournalEvent> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') continue;
            JournalEvent.parse(new String(all, start, i - start, StandardCharsets.UTF_8)).ifPresent(out::add);
            start = i + 1;
        }
        return out;
    }

    /** Removes {@code id}'s journal (not synced: see {@link Spool#remove}). */
    void delete(String id) throws IOException {
        Files.deleteIfExists(file(id));
    }

    /** The ids that have a journal. */
    Set<String> ids() throws IOException {
        Set<String> out = new java.util.HashSet<>();
        if (!Files.isDirectory(directory)) return out;
        try (var s = Files.newDirectoryStream(directory)) {
            for (Path p : s) out.add(p.getFileName().toString());
        }
        return out;
    }

    GroupSync sync() { return sync; }
}
