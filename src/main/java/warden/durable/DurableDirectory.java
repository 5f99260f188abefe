package warden.durable;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Creates a directory and its missing parents so that they survive a crash.
 *
 * <p>{@code mkdir} is only durable once the parent directory is fsync'd; a Maildir created on
 * demand for a first message and then lost in a crash would take that message with it, after the
 * client got its 250. So every directory this creates is followed by an fsync of its parent.
 * Creating a directory that another thread just created is fine.
 *
 * <h2>Standards</h2>
 * POSIX {@code mkdir(2)}, {@code fsync(2)}.
 */
public final class DurableDirectory {

    private DurableDirectory() {}

    /** Makes sure {@code dir} exists and its entry (and those of parents created here) is on disk; new ones are 0700. */
    public static void create(Path dir) throws IOException {
        create(dir, FileModes.PRIVATE);
    }

    /** As above, each directory created with {@code modes}' directory mode (whatever the umask). */
    public static void create(Path dir, FileModes modes) throws IOException {
        Path d = dir.toAbsolutePath();
        Deque<Path> missing = new ArrayDeque<>();
        while (d != null && !Files.isDirectory(d)) {
            missing.push(d);
            d = d.getParent();
        }
        for (Path p : missing) {
            try {
                modes.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) throw e;
            }
            GroupSync.fsync(p.getParent());
        }
    }
}
