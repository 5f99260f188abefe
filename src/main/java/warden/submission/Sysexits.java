package warden.submission;

/**
 * The exit statuses of sendmail, from sysexits(3), which cron, mail(1), PHP and git read: 0 only
 * when the message is in the server's hands.
 *
 * <h2>Standards</h2>
 * sysexits.h (4.3BSD), as sendmail(8) and Postfix's sendmail(1) use them.
 */
public final class Sysexits {

    /** The server answered 250 after the message. */
    public static final int OK = 0;
    /** A command line we refuse (an unknown option, no recipient, a bad address argument). */
    public static final int USAGE = 64;
    /** The message or an address in it cannot be taken; the server refused the sender or the content. */
    public static final int DATAERR = 65;
    /** The server refused a recipient for good (5xx). */
    public static final int NOUSER = 67;
    /** The server refuses service for good (5xx greeting or EHLO/HELO). */
    public static final int UNAVAILABLE = 69;
    /** The message could not be written to a temporary file. */
    public static final int CANTCREAT = 73;
    /** Try again later: the server is down, did not answer, or answered 4xx. Nothing was accepted. */
    public static final int TEMPFAIL = 75;
    /** The configuration is unusable (no loopback listener to submit to). */
    public static final int CONFIG = 78;

    private Sysexits() {}
}
