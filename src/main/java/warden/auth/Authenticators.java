package warden.auth;

import warden.config.WardenConfig;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The credential backend the configuration names: {@code auth.passwd_file} ({@link PasswdFile})
 * or {@code auth.ldap} ({@link LdapAuthenticator}); none when {@code auth:} names neither (AUTH is then not offered).
 * {@code ConfigLoader} already refuses a configuration that names both.
 *
 * <h2>Standards</h2>
 * <ul>
 * <li>RFC 4954 (SMTP AUTH): the session asks the backend made here.</li>
 * </ul>
 */
public final class Authenticators {

    /** How long one look at the passwd-file is trusted before a login stats it again. */
    static final Duration PASSWD_RECHECK = Duration.ofSeconds(1);

    private Authenticators() {}

    /** The backend for {@code auth}, or empty when none is configured. */
    public static Optional<Authenticator> from(WardenConfig.Auth auth, Clock clock) {
        if (auth.passwdFile().isPresent()) {
            PasswdFile file = new PasswdFile(auth.passwdFile().get(), clock, PASSWD_RECHECK);
            file.problems(); // read now, so the file's problems are logged at start, not at the first AUTH
            return Optional.of(file);
        }
        if (auth.ldap().isPresent()) {
            // Connects at the first AUTH, not here: a directory down at start is 454 then, not a refusal to start.
            return Optional.of(new LdapAuthenticator(auth.ldap().get(), clock));
        }
        return Optional.empty();
    }
}
