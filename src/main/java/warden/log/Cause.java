package warden.log;

import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why something failed, in the words an administrator searches for: {@code var/mail/bob/Maildir/tmp:
 * Permission denied}, not just the path.
 *
 * <p>{@code java.nio} reports the commonest errors of the C library as exception types whose
 * message is only the path ({@link AccessDeniedException}, {@link NoSuchFileException}, ...): the
 * reason (strerror(3)'s text) is in the type. This puts it back, and follows the causes of a
 * wrapped exception so that the first reason given is not lost.
 */
public final class Cause {

    private Cause() {}

    /** One line: what failed and why, e.g. {@code /var/mail/bob/Maildir/tmp/1.2.x: Permission denied}. */
    public static String of(Throwable e) {
        StringBuilder b = new StringBuilder(own(e));
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        seen.add(e);
        for (Throwable c = e.getCause(); c != null && seen.add(c); c = c.getCause()) {
            String more = own(c);
            if (!b.toString().contains(more)) b.append(" (").append(more).append(')');
        }
        return b.toString().replace('\n', ' ').replace('\r', ' ');
    }

    private static String own(Throwable e) {
        if (e instanceof FileSystemException f) {
            String where = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            String reason = f.getReason() != null ? f.getReason() : reason(f);
            return where.isEmpty() ? reason : where + ": " + reason;
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) return e.getClass().getSimpleName();
        return message;
    }

    /** strerror(3)'s words for the errors java.nio reports by type alone. */
    private static String reason(FileSystemException e) {
        return switch (e) {
            case AccessDeniedException a -> "Permission denied";
            case NoSuchFileException n -> "No such file or directory";
            case FileAlreadyExistsException x -> "File exists";
            case NotDirectoryException n -> "Not a directory";
            case DirectoryNotEmptyException d -> "Directory not empty";
            default -> e.getClass().getSimpleName();
        };
    }
}
