package warden.smtp.auth;

import warden.mail.ClientText;
import warden.mail.Reply;

import java.util.Optional;

/**
 * The main-log events of AUTH, after the session's {@code H=<name> (<helo>) [<ip>]} prefix: one
 * line per failed attempt, in a fixed form that fail2ban's filter
 * ({@code packaging/fail2ban/filter.d/warden-auth.conf}) matches.
 *
 * <pre>
 * 2026-12-03 04:20:00 H=(laptop) [192.0.2.1] AUTH failed: PLAIN user=alice (wrong password): 535 5.7.8 Authentication credentials invalid
 * 2026-12-03 04:20:09 H=(laptop) [192.0.2.1] AUTH failed: LOGIN user=alice (too many failures): 421 4.7.0 mx.example.org Too many ...
 * 2026-12-03 04:21:00 H=(laptop) [192.0.2.1] AUTH unavailable: PLAIN user=bob (ldap://... timed out): 454 4.7.0 Temporary ...
 * </pre>
 *
 * <p>The attempted user name is escaped ({@link ClientText#ascii}, a space as {@code \x20}, at
 * most 64 characters) so it is one word that cannot forge another line or field; the password
 * is never given to this class. A backend that could not answer ({@code AUTH unavailable}) is no
 * failure of the client's and does not match the filter: a directory outage bans nobody.
 */
public final class AuthLogLine {

    private AuthLogLine() {}

    /** A failed attempt (535, or the 421 that closes): what fail2ban counts. */
    public static String failed(Optional<SaslExchange.Mechanism> mechanism, Optional<String> user, String why, Reply reply) {
        return "AUTH failed: " + attempt(mechanism, user, why) + ": " + reply;
    }

    /** The backend could not tell (454). */
    public static String unavailable(Optional<SaslExchange.Mechanism> mechanism, Optional<String> user, String why, Reply reply) {
        return "AUTH unavailable: " + attempt(mechanism, user, why) + ": " + reply;
    }

    /** An exchange ended by the client or by bad input (501, 500, 504): no password was checked. */
    public static String aborted(Optional<SaslExchange.Mechanism> mechanism, String why, Reply reply) {
        return "AUTH aborted: " + mechanism.map(Enum::name).orElse("-") + " (" + ClientText.ascii(why, 200) + "): " + reply;
    }

    /** The user name as one printable ASCII word. */
    public static String user(String user) {
        return ClientText.ascii(user, 64).replace(" ", "\\x20");
    }

    private static String attempt(Optional<SaslExchange.Mechanism> mechanism, Optional<String> user, String why) {
        return mechanism.map(Enum::name).orElse("-") + user.map(u -> " user=" + user(u)).orElse("")
                + " (" + ClientText.ascii(why, 200) + ")";
    }
}
