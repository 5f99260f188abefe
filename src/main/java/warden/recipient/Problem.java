package warden.recipient;

/**
 * One thing wrong in a virtual-domain file: where (file, line), what, and how to fix it.
 *
 * <p>{@code warden config check} prints these; at run time the same text goes to the log as a
 * warning and the line is skipped.
 *
 * @param file the file, as a path string
 * @param line the 1-based line number, or 0 when the problem is the file or directory itself
 * @param message what is wrong
 * @param fix what to write instead, or empty
 */
public record Problem(String file, int line, String message, String fix) {

    /** {@code file:line: message (fix: ...)} */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) b.append(':').append(line);
        b.append(": ").append(message);
        if (!fix.isEmpty()) b.append(" (fix: ").append(fix).append(')');
        return b.toString();
    }
}
