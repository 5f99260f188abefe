package warden.message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The directory where messages are written while they are received: one data file per DATA
 * section (Exim's {@code -D} file, Postfix's {@code incoming} queue file), removed once the
 * message is delivered, refused or abandoned.
 *
 * <p>It lives under {@code data_dir}, on the same file system as the spool and (by default) the
 * Maildirs, so copying out of it is a copy inside one file system. A data file is never
 * fsync'd: it is only the source of the copies, and each copy is made durable before the
 * {@code 250}. Nothing in it was ever acknowledged, so whatever a crash leaves here is removed
 * when the server starts ({@link #removeLeftovers()}).
 *
 * <p>A message of at most {@link MessageWriter#MEMORY_LIMIT} octets never needs its file: the
 * writer's own buffer holds it (the common case, which then costs no file at all).
 *
 * <h2>Standards</h2>
 * RFC 5321 section 6.1 (the {@code 250} is a promise: only the copies made durable count).
 */
public final class DataFiles {

    private final Path directory;
    private final int memoryLimit;
    private volatile boolean ready;

    /** Data files in {@code directory} (created on demand). */
    public DataFiles(Path directory) {
        this(directory, MessageWriter.MEMORY_LIMIT);
    }

    /**
     * @param memoryLimit messages of at most this many octets stay in the writer's buffer and get
     *        no file; 0 gives every non-empty message a file (tests)
     */
    public DataFiles(Path directory, int memoryLimit) {
        if (memoryLimit < 0 || memoryLimit > MessageWriter.MEMORY_LIMIT) {
            throw new IllegalArgumentException("memory limit out of range: " + memoryLimit);
        }
        this.directory = directory;
        this.memoryLimit = memoryLimit;
    }

    /** The directory. */
    public Path directory() { return directory; }

    /** A writer for one message of at most {@code maxSize} octets. */
    public MessageWriter writer(long maxSize) {
        return new MessageWriter(this, maxSize, memoryLimit);
    }

    /** Creates a new, empty data file (mode 0600, a name nobody else uses). */
    Path create() throws IOException {
        if (!ready) {
            Files.createDirectories(directory);
            ready = true;
        }
        try {
            return Files.createTempFile(directory, "data-", "");
        } catch (NoSuchFileException gone) {
            // Someone removed the directory while we ran: make it again, once.
            Files.createDirectories(directory);
            return Files.createTempFile(directory, "data-", "");
        }
    }

    /**
     * Removes the data files a crash or a kill left behind (none of them was acknowledged).
     * Call it once at start, before the first session.
     *
     * @return how many were removed
     */
    public int removeLeftovers() throws IOException {
        if (!Files.isDirectory(directory)) return 0;
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "data-*")) {
            for (Path f : files) {
                if (Files.deleteIfExists(f)) n++;
            }
        }
        return n;
    }

    /**
     * Data files under the system's temporary directory, for front doors without a
     * {@code data_dir} of their own ({@code simulate}, protocol tests).
     */
    public static DataFiles temporary() {
        return Temporary.FILES;
    }

    private static final class Temporary {
        static final DataFiles FILES;

        static {
            try {
                Path dir = Files.createTempDirectory("warden-data-");
                dir.toFile().deleteOnExit();
                FILES = new DataFiles(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public String toString() {
        return directory.toString();
    }
}
