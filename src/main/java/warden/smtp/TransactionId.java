package warden.smtp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Message ids for logs and the {@code 250 Ok: queued as} reply, after Exim's: the start time
 * in base 62, the process id and a counter, unique across restarts on one host.
 */
public final class TransactionId {

    private static final String DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String PREFIX = base62(System.currentTimeMillis() / 1000, 6) + "-"
            + base62(ProcessHandle.current().pid(), 4);
    private static final AtomicLong COUNTER = new AtomicLong();

    private TransactionId() {}

    /** The next id, such as {@code 1a2B3c-00Xy-000001}. */
    public static String next() {
        return PREFIX + "-" + base62(COUNTER.incrementAndGet(), 6);
    }

    static String base62(long value, int width) {
        char[] out = new char[width];
        long v = value;
        for (int i = width - 1; i >= 0; i--) {
            out[i] = DIGITS.charAt((int) (v % 62));
            v /= 62;
        }
        return new String(out);
    }
}
