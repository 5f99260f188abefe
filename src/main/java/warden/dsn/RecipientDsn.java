package warden.dsn;

import java.util.Optional;
import java.util.Set;

/**
 * The DSN parameters of one RCPT TO (RFC 3461 section 4.1 and 4.2).
 *
 * @param notifications {@code NOTIFY=} values, empty when not given (then a failure is reported, and a
 *        delay as configured: RFC 3461 4.1 leaves the default to the MTA)
 * @param orcpt {@code ORCPT=} as {@code addr-type;address} with the address decoded from xtext,
 *        empty when not given
 */
public record RecipientDsn(Set<Notify> notifications, Optional<String> orcpt) {
    public static final RecipientDsn NONE = new RecipientDsn(Set.of(), Optional.empty());

    public RecipientDsn {
        notifications = Set.copyOf(notifications);
    }

    /** Whether a report of this kind ({@code FAILURE}, {@code DELAY}, {@code SUCCESS}) is wanted. */
    public boolean wants(Notify kind) {
        if (notifications.contains(Notify.NEVER)) return false;
        if (notifications.isEmpty()) return kind == Notify.FAILURE || kind == Notify.DELAY;
        return notifications.contains(kind);
    }
}
