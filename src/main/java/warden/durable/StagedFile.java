package warden.durable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A file written and fsync'd under a temporary name, waiting to be renamed into place.
 *
 * <p>The protocol, in three steps so that a caller with several files can do each step for all of
 * them before the next: {@link #write} (create the temporary file, write, {@code fdatasync},
 * close), {@link #commit} (atomic {@code rename(2)} into the target directory), then the target
 * directory's {@link GroupSync#sync()}. Until the commit, readers never see the file; after the
 * directory sync it survives a crash. {@link #discard} undoes whichever step was reached, so a
 * failed delivery leaves no temporary file and no half-delivered copy.
 *
 * <h2>Standards</h2>
 * The Maildir delivery protocol (D. J. Bernstein, maildir(5)); OpenSMTPD {@code mail.maildir.c};
 * POSIX {@code rename(2)} atomicity.
 *
 * <p>Not done: {@code O_TMPFILE}/{@code linkat}, which would save the temporary name but is
 * Linux-only and not reachable from Java.
 */
public final class StagedFile {

    private final Path temporary;
    private final Path target;
    private final GroupSync targetSync;
    private volatile boolean committed;

    private StagedFile(Path temporary, Path target, GroupSync targetSync) {
        this.temporary = temporary;
        this.target = target;
        this.targetSync = targetSync;
    }

    /** What goes into a staged file, written by {@link #write(Path, Path, GroupSync, FileModes, Content)}. */
    @FunctionalInterface
    public interface Content {
        /** Writes everything to {@code channel}, a new empty file; may be called again after a failure. */
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Creates {@code temporary} (it must not exist, mode {@code 0600}), writes {@code data} with one gathering write,
     * fsyncs it and closes it. On failure the temporary file is removed and the exception thrown.
     *
     * @param targetSync the group sync of {@code target}'s directory
     */
    public static StagedFile write(Path temporary, Path target, GroupSync targetSync, ByteBuffer... data)
            throws IOException {
        return write(temporary, target, targetSync, FileModes.PRIVATE, data);
    }

    /** As above, the file created with {@code modes}' file mode (whatever the umask). */
    public static StagedFile write(Path temporary, Path target, GroupSync targetSync, FileModes modes,
                                   ByteBuffer... data) throws IOException {
        return write(temporary, target, targetSync, modes, ch -> {
            long left = 0;
            for (ByteBuffer b : data) left += b.remaining();
            while (left > 0) left -= ch.write(data);
        });
    }

    /**
     * Creates {@code temporary} (it must not exist) with {@code modes}' file mode, lets
     * {@code content} write it, fsyncs it and closes it. On failure the temporary file is removed
     * and the exception thrown.
     *
     * @param targetSync the group sync of {@code target}'s directory
     */
    public static StagedFile write(Path temporary, Path target, GroupSync targetSync, FileModes modes,
                                   Content content) throws IOException {
        boolean created = false;
        try (FileChannel ch = modes.createFile(temporary)) {
            created = true;
            content.writeTo(ch);
            // fdatasync: the data and the size needed to read it back; the name is made durable
            // by the directory fsync after the rename.
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            if (created) Files.deleteIfExists(temporary);
            throw e;
        }
        return new StagedFile(temporary, target, targetSync);
    }

    /** Renames the file into its target directory; visible to readers, durable after {@link #targetSync()}. */
    public void commit() throws IOException {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    /** The group sync of the target directory, to call after {@link #commit()}. */
    public GroupSync targetSync() { return targetSync; }

    /** Where the file is now: the target once committed, else the temporary name. */
    public Path path() { return committed ? target : temporary; }

    /** Where the file goes. */
    public Path target() { return target; }

    /**
     * Removes the file wherever it is. Never throws: it runs on the failure path, where the first
     * error is the one to report. The caller syncs the directory again if the removal must be durable.
     */
    public void discard() {
        try {
            Files.deleteIfExists(path());
        } catch (IOException | RuntimeException ignored) {
            // XXX a copy we cannot remove stays; the caller's exception already says delivery failed
        }
    }
}
