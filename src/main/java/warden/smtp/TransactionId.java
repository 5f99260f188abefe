package warden.smtp;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Message ids for logs, the {@code 250 Ok: queued as} reply and spool file names, after Exim's:
 * the start time in base 62, a random number drawn once per process, and a counter, such as
 * {@code 1a2B3c-Xy12AbCd-000001}.
 *
 * <p>The random part (8 base-62 digits, about 47 bits from {@link SecureRandom}) stands where
 * Exim puts the process id: a pid repeats for every server in a container (always 1) and after a
 * restart within the same second, so time and pid alone gave two runs the same ids, and the
 * second run's spool file could not be written ("queue id in use").
 */
public final class TransactionId {

    private static final String DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String PREFIX = prefix(System.currentTimeMillis() / 1000, new SecureRandom().nextLong());
    private static final AtomicLong COUNTER = new AtomicLong();

    private TransactionId() {}

    /** The next id, such as {@code 1a2B3c-Xy12AbCd-000001}. */
    public static String next() {
        return PREFIX + "-" + base62(COUNTER.incrementAndGet(), 6);
    }

    /** The per-process part: start time and random number. */
    static String prefix(long epochSecond, long random) {
        return base62(epochSecond, 6) + "-" + base62(random & Long.MAX_VALUE, 8);
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
