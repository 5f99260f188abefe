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
 * @param protocol {@code SMTP}, {@code ESMTP}, {@code ESMTPS}, {@code ESMTPA} or {@code ESMTPSA} (RFC 3848)
 * @param receivedBy our host name
 * @param queueId the message id in our logs
 * @param receivedAt when the DATA ended
 */
public record Trace(String heloName, InetAddress clientAddress, Optional<String> reverseName, String protocol,
                    String receivedBy, String queueId, ZonedDateTime receivedAt) {}
