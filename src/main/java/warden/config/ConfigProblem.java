package warden.config;

/**
 * One thing wrong in a configuration or list file: where (file, line, key), what, and the fix.
 */
public record ConfigProblem(String file, int line, String key, String message, String fix) {

    /** {@code file:line: key: message (fix: ...)} */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(file);
        if (line > 0) b.append(':').append(line);
        b.append(": ");
        if (!key.isEmpty()) b.append(key).append(": ");
        b.append(message);
        if (!fix.isEmpty()) b.append(" (fix: ").append(fix).append(')');
        return b.toString();
    }
}
