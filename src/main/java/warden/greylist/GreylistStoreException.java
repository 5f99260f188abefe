package warden.greylist;

/**
 * A greylist store could not answer: the SQLite file is locked or unreadable, or Redis is down.
 *
 * <p>{@link Greylist} catches it and answers {@link GreylistResult.Unavailable}, so a store
 * failure degrades to "accept and log" (or "defer"), never to a rejection.
 */
public final class GreylistStoreException extends RuntimeException {
    public GreylistStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public GreylistStoreException(String message) {
        super(message);
    }
}
