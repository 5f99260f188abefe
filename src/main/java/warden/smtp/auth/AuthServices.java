package warden.smtp.auth;

import warden.auth.Authenticator;
import warden.config.WardenConfig;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What the SMTP session needs for AUTH and for the submission duties, shared by every session:
 * the credential backend, the failure throttle, the sender-login map and whether
 * {@code Received:} names the login.
 *
 * @param authenticator the backend ({@code auth.passwd_file} or {@code auth.ldap}); empty: AUTH is not offered
 * @param throttle failed attempts per client network ({@code auth.max_failures}, {@code auth.failure_window})
 * @param senderLogins {@code auth.sender_login}, when configured
 * @param showInReceived {@code auth.show_in_received}
 */
public record AuthServices(Optional<Authenticator> authenticator, AuthThrottle throttle, Optional<SenderLogins> senderLogins,
                           boolean showInReceived) {

    /** No AUTH: nothing offered, nothing checked. */
    public static AuthServices none() {
        return new AuthServices(Optional.empty(), new AuthThrottle(WardenConfig.Auth.NONE.maxFailures(),
                WardenConfig.Auth.NONE.failureWindow(), Clock.systemUTC()), Optional.empty(), false);
    }

    /**
     * The services {@code auth} describes around {@code authenticator}, the backend made from it
     * (empty when none is configured).
     */
    public static AuthServices from(WardenConfig.Auth auth, Optional<Authenticator> authenticator, Clock clock) {
        return new AuthServices(authenticator, new AuthThrottle(auth.maxFailures(), auth.failureWindow(), clock),
                auth.senderLogin().map(f -> new SenderLogins(f, clock, Duration.ofSeconds(1))), auth.showInReceived());
    }

    /** Whether AUTH can be offered at all (a backend is there). */
    public boolean offered() {
        return authenticator.isPresent();
    }
}
