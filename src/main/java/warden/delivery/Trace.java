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
 * @param encryption the TLS the message came over, as Postfix's Received comment says it:
 *        {@code TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)}; empty without TLS
 * @param authenticatedSender the login, shown as Postfix shows it ({@code (Authenticated sender: alice)}),
 *        only where {@code auth.show_in_received} says so; empty otherwise
 */
public record Trace(String heloName, InetAddress clientAddress, Optional<String> reverseName, String protocol,
                    String receivedBy, String queueId, ZonedDateTime receivedAt, Optional<String> encryption,
                    Optional<String> authenticatedSender) {

    /** A trace that names no login. */
    public Trace(String heloName, InetAddress clientAddress, Optional<String> reverseName, String protocol,
                 String receivedBy, String queueId, ZonedDateTime receivedAt, Optional<String> encryption) {
        this(heloName, clientAddress, reverseName, protocol, receivedBy, queueId, receivedAt, encryption, Optional.empty());
    }

    /** A trace of a message that came without TLS. */
    public Trace(String heloName, InetAddress clientAddress, Optional<String> reverseName, String protocol,
                 String receivedBy, String queueId, ZonedDateTime receivedAt) {
        this(heloName, clientAddress, reverseName, protocol, receivedBy, queueId, receivedAt, Optional.empty());
    }

    /**
     * The {@code with} protocol of the Received header: {@code UTF8SMTP} for a transaction that
     * used SMTPUTF8 (RFC 6531 section 3.7.3), else {@code ESMTP} after EHLO or {@code SMTP} after
     * HELO (RFC 3848, RFC 5321 section 4.4); without TLS or AUTH.
     */
    public static String protocol(boolean esmtp, boolean smtputf8) {
        return protocol(esmtp, smtputf8, false, false);
    }

    /**
     * The {@code with} protocol with RFC 3848's suffixes: {@code S} for a session under TLS,
     * {@code A} for an authenticated one ({@code ESMTPS}, {@code ESMTPA}, {@code ESMTPSA}; RFC 6531
     * registers {@code UTF8SMTPS}, {@code UTF8SMTPA}, {@code UTF8SMTPSA} the same way). After HELO
     * it stays {@code SMTP}: no suffixed form of it is registered.
     */
    public static String protocol(boolean esmtp, boolean smtputf8, boolean tls, boolean authenticated) {
        String suffix = (tls ? "S" : "") + (authenticated ? "A" : "");
        if (smtputf8) return "UTF8SMTP" + suffix;
        return esmtp ? "ESMTP" + suffix : "SMTP";
    }

    /**
     * The protocol as the main log's {@code P=} writes it, after Exim: {@code esmtp}, {@code smtp},
     * {@code esmtps}, {@code esmtpsa}, {@code utf8esmtp}, {@code utf8esmtps}...
     */
    public static String logName(String protocol) {
        String lower = protocol.toLowerCase(java.util.Locale.ROOT);
        return lower.startsWith("utf8smtp") ? "utf8esmtp" + lower.substring("utf8smtp".length()) : lower;
    }
}
