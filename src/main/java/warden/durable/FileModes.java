package warden.durable;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The permission bits of the files and directories Warden creates for mail, whatever the process
 * umask: {@code 0600} and {@code 0700} by default, so a message is never readable by other local
 * users, and Dovecot or Courier (running as the same user) read it as they expect.
 *
 * <p>The mode is given to {@code open(2)}/{@code mkdir(2)} at creation, so no file is ever more
 * open than wanted, not even for a moment (a create-then-chmod would be). The umask can only
 * remove bits; if it removed some that are wanted (a {@code 0660} setup under umask 027), they are
 * added back with one {@code chmod} on the new file, which only ever widens towards the wanted
 * mode. The first creation tells whether the umask strips anything; after that the extra
 * {@code chmod} is made only when it does.
 *
 * <p>Values: the owner must be able to read and write (files) or read, write and search
 * (directories), or delivery itself would fail; nothing may be writable by others, or any local
 * user could plant or remove mail; files carry no execute bits.
 *
 * <h2>Standards</h2>
 * POSIX {@code open(2)}, {@code mkdir(2)}, {@code umask(2)}; maildir(5).
 */
public record FileModes(Set<PosixFilePermission> file, Set<PosixFilePermission> directory) {

    private static final Set<PosixFilePermission> FILE_ALLOWED = PosixFilePermissions.fromString("rw-rw-r--");
    private static final Set<PosixFilePermission> DIRECTORY_ALLOWED = PosixFilePermissions.fromString("rwxrwxr-x");

    /** {@code 0600} for files, {@code 0700} for directories: only the owner. */
    public static final FileModes PRIVATE = new FileModes(PosixFilePermissions.fromString("rw-------"),
            PosixFilePermissions.fromString("rwx------"));


    /** @throws IllegalArgumentException if a mode lets the owner not deliver, or others write or run */
    public FileModes {
        file = Set.copyOf(file);
        directory = Set.copyOf(directory);
        if (!file.containsAll(PosixFilePermissions.fromString("rw-------"))) {
            throw new IllegalArgumentException("file mode " + octal(file) + " does not let the owner read and write (needs 0600)");
        }
        if (!FILE_ALLOWED.containsAll(file)) {
            throw new IllegalArgumentException("file mode " + octal(file) + " is writable by others or executable (at most 0664)");
        }
        if (!directory.containsAll(PosixFilePermissions.fromString("rwx------"))) {
            throw new IllegalArgumentException("directory mode " + octal(directory) + " does not let the owner list and create (needs 0700)");
        }
        if (!DIRECTORY_ALLOWED.containsAll(directory)) {
            throw new IllegalArgumentException("directory mode " + octal(directory) + " is writable by others (at most 0775)");
        }
    }

    // Per wanted mode: whether the umask took bits away at its first creation (then every creation
    // of that mode is followed by a chmod). The umask is one per process, so this is learnt once.
    private static final ConcurrentHashMap<Set<PosixFilePermission>, Boolean> UMASK_STRIPS = new ConcurrentHashMap<>();

    /** Parses an octal mode such as {@code 0600}, {@code 600} or {@code 0o600}. */
    public static Set<PosixFilePermission> parseOctal(String text) {
        String t = text.strip();
        if (t.startsWith("0o") || t.startsWith("0O")) t = t.substring(2);
        if (!t.matches("0?[0-7]{3}")) throw new IllegalArgumentException("'" + text + "' is not an octal mode such as 0600");
        int bits = Integer.parseInt(t, 8);
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int i = 0; i < order.length; i++) if ((bits & (1 << i)) != 0) out.add(order[i]);
        return out;
    }

    /** The mode as four octal digits, {@code 0600}. */
    public static String octal(Set<PosixFilePermission> mode) {
        int bits = 0;
        for (PosixFilePermission p : mode) bits |= 1 << (8 - p.ordinal());
        return String.format("%04o", bits);
    }

    /**
     * Creates {@code file} (it must not exist) with the file mode and opens it for writing.
     *
     * @throws FileAlreadyExistsException if it exists
     */
    public FileChannel createFile(Path file) throws IOException {
        FileChannel ch = posix(file)
                ? FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attribute(this.file))
                : FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try {
            if (posix(file)) settle(file, this.file);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /**
     * Creates the directory {@code dir} (its parent must exist) with the directory mode.
     *
     * @throws FileAlreadyExistsException if it exists
     */
    public void createDirectory(Path dir) throws IOException {
        if (!posix(dir)) {
            Files.createDirectory(dir);
            return;
        }
        Files.createDirectory(dir, attribute(directory));
        settle(dir, directory);
    }

    /** Gives a path just created with {@code wanted} the bits the umask took away, if it takes any. */
    private static void settle(Path p, Set<PosixFilePermission> wanted) throws IOException {
        Boolean strips = UMASK_STRIPS.get(wanted);
        if (strips == null) {
            strips = !Files.getPosixFilePermissions(p).equals(wanted);
            UMASK_STRIPS.put(wanted, strips);
        }
        if (strips) Files.setPosixFilePermissions(p, wanted);
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> mode) {
        return PosixFilePermissions.asFileAttribute(mode);
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    @Override
    public String toString() {
        return "files " + octal(file) + ", directories " + octal(directory);
    }
}
