package warden.outbound;

import java.util.Optional;

/** Which credentials to present to a relay host (the {@code smarthost_credentials} file). */
@FunctionalInterface
public interface CredentialSource {
    /** @param host the relay's host name as configured (or its address for a literal) */
    Optional<Credentials> lookup(String host);

    CredentialSource NONE = host -> Optional.empty();
}
