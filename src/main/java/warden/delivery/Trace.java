package warden.delivery;

import java.net.InetAddress;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * What the Received header records about how a message arrived (RFC 5321 section 4.4).
 *
 * @param heloName the client's HELO/EHLO argument
 * @param clientAddress the client's IP
 * @param reverseName the client's reverse DNS name, if known
 * @param protocol {@code SMTP}, {@code ESMTP} (RFC 3848) or {@code UTF8SMTP} (RFC 6531 section 3.7.3),
 *        see {@link #protocol(boolean, boolean)}
 * @param receivedBy our host name
 * @param queueId the message id in our logs
 * @param receivedAt when the DATA ended
 */
public record Trace(String heloName, InetAddress clientAddress, Optional<String> reverseName, String protocol,
                    String receivedBy, String queueId, ZonedDateTime receivedAt) {

    /**
     * The {@code with} protocol of the Received header: {@code UTF8SMTP} for a transaction that
     * used SMTPUTF8 (RFC 6531 section 3.7.3), else {@code ESMTP} after EHLO or {@code SMTP} after
     * HELO (RFC 3848, RFC 5321 section 4.4). The TLS and AUTH forms ({@code UTF8SMTPS},
     * {@code ESMTPSA}...) are not needed: Warden has neither.
     */
    public static String protocol(boolean esmtp, boolean smtputf8) {
        if (smtputf8) return "UTF8SMTP";
        return esmtp ? "ESMTP" : "SMTP";
    }

    /** The protocol as the main log's {@code P=} writes it, after Exim: {@code esmtp}, {@code smtp}, {@code utf8esmtp}. */
    public static String logName(String protocol) {
        return protocol.equals("UTF8SMTP") ? "utf8esmtp" : protocol.toLowerCase(java.util.Locale.ROOT);
    }
}
