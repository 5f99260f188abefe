package warden.submission;

import warden.message.HeaderBlock;
import warden.policy.content.HeaderFields;

import java.security.SecureRandom;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The header fields a submission server adds to a message that lacks them: {@code Date:} and
 * {@code Message-ID:}, made the same way for {@code warden sendmail} ({@link Sendmail}) and for
 * mail submitted on port 587 or 465 (the SMTP session).
 *
 * <pre>
 * Date: Thu, 3 Dec 2026 04:30:00 +0000
 * Message-ID: &lt;20261203043000.9f2c4e1a7b3d5c60@mx.example.org&gt;
 * </pre>
 *
 * <h2>Standards</h2>
 * RFC 6409 sections 8.2 (the MSA MAY add Date) and 8.3 (MAY add Message-ID), RFC 5322 3.6.1
 * (orig-date), 3.6.4 (msg-id: {@code id-left "@" id-right}, unique: a time and 64 random bits
 * left of our host name), 3.3 (date-time).
 *
 * <p>It adds nothing a message already has, and nothing to a message whose header section is too
 * long for the bounded reader to have seen all of it ({@link HeaderBlock#truncated()}): a second
 * {@code Date:} would make the message invalid (RFC 5322 3.6: at most one).
 */
public final class SubmissionFields {

    private static final DateTimeFormatter RFC5322 = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss", Locale.ROOT);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SubmissionFields() {}

    /** {@code Date: <now>}. */
    public static String date(ZonedDateTime now) {
        return "Date: " + RFC5322.format(now);
    }

    /** {@code Message-ID: <time.random@hostname>}. */
    public static String messageId(ZonedDateTime now, String hostname) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return "Message-ID: <" + ID_TIME.format(now) + "." + HexFormat.of().formatHex(random) + "@" + hostname + ">";
    }

    /** The fields to add to a message with this header section: {@code Date:}, {@code Message-ID:}, either or none. */
    public static List<String> missing(HeaderBlock header, ZonedDateTime now, String hostname) {
        if (header.truncated()) return List.of();
        List<HeaderFields.Field> fields = HeaderFields.read(header).fields();
        List<String> add = new ArrayList<>(2);
        if (fields.stream().noneMatch(f -> f.is("Date"))) add.add(date(now));
        if (fields.stream().noneMatch(f -> f.is("Message-ID"))) add.add(messageId(now, hostname));
        return add;
    }
}
