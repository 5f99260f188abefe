package warden.outbound;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What one delivery attempt did for one recipient.
 *
 * @param kind delivered, deferred (try again later) or failed (bounce)
 * @param recipient the envelope address
 * @param host the remote host name the answer came from, empty when no host was reached
 * @param address its address, empty when no host was reached
 * @param tls {@code TLS1.3:TLS_AES_256_GCM_SHA384:256} style, empty in clear text
 * @param code the SMTP reply code, or 0 when the outcome was decided without a reply (DNS,
 *        connection refused, timeout)
 * @param status the enhanced status code ({@code 5.1.1}), from the reply or chosen by us
 * @param text the reply text (all lines joined with a space) or our own diagnostic
 * @param after the step the answer came at, for the log ({@code "RCPT TO:<bob@example.net>"},
 *        {@code "DATA"}, {@code "MAIL FROM"}, {@code "connect"}, {@code "EHLO"}), empty when none
 * @param relayed the next hop accepted the DSN parameters (RFC 3461 5.2.2: no success report
 *        is ours to send)
 */
public record Outcome(Kind kind, String recipient, Optional<String> host, Optional<InetAddress> address,
                      Optional<String> tls, int code, String status, String text, String after, boolean relayed) {

    public enum Kind { DELIVERED, DEFERRED, FAILED }

    /** {@code 550 5.1.1 text}, or just the text when there was no reply. */
    public String diagnostic() {
        return code == 0 ? text : code + " " + (status.isEmpty() ? "" : status + " ") + text;
    }
}
