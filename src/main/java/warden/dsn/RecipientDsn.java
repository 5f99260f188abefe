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

    /**
     * The {@code NOTIFY=} value to pass on (spool envelope, next hop): {@code SUCCESS,FAILURE} in
     * a fixed order; empty when none was given.
     */
    public Optional<String> notifyParameter() {
        if (notifications.isEmpty()) return Optional.empty();
        StringBuilder b = new StringBuilder();
        for (Notify n : Notify.values()) {
            if (notifications.contains(n)) b.append(b.isEmpty() ? "" : ",").append(n.name());
        }
        return Optional.of(b.toString());
    }

    /**
     * The {@code ORCPT=} value to pass on: {@code addr-type;xtext} with the address encoded again
     * ({@link XText}); read it back with {@link DsnParameter#orcpt}. Empty when none was given.
     */
    public Optional<String> orcptParameter() {
        return orcpt.map(o -> {
            int semi = o.indexOf(';');
            return o.substring(0, semi + 1) + XText.encode(o.substring(semi + 1));
        });
    }
}
