package warden.delivery;

import java.util.List;

/** The copies one delivery made, for the main log's {@code =>} lines. */
public record DeliveryReport(List<Copy> copies) {
    public DeliveryReport { copies = List.copyOf(copies); }

    /** One copy: the recipient address it was for, where it went ({@code user} Maildir or spool) and the file. */
    public record Copy(String recipient, String destination, String path) {}
}
