package warden.mail;

import java.util.List;

/**
 * The SMTP envelope of one message: the reverse path ({@code ""} for the null sender) and the
 * recipients accepted at RCPT, in order.
 */
public record Envelope(String reversePath, List<String> recipients) {
    public Envelope {
        recipients = List.copyOf(recipients);
    }

    public boolean nullSender() { return reversePath.isEmpty(); }
}
