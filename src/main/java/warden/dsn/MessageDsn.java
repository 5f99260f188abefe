package warden.dsn;

import java.util.Optional;

/**
 * The DSN parameters of MAIL FROM (RFC 3461 section 4.3 and 4.4).
 *
 * @param ret {@code RET=}, empty when not given (a bounce then returns the header only)
 * @param envid {@code ENVID=} decoded from xtext, empty when not given
 */
public record MessageDsn(Optional<Ret> ret, Optional<String> envid) {
    public static final MessageDsn NONE = new MessageDsn(Optional.empty(), Optional.empty());

    /** The {@code ENVID=} value to pass on, encoded again ({@link XText}); read it back with {@link DsnParameter#envid}. */
    public Optional<String> envidParameter() {
        return envid.map(XText::encode);
    }
}
