package warden.testing;

import warden.auth.Authenticator;

import java.util.Map;

/**
 * An {@link Authenticator} for tests: alice's password is {@code s3cret}; the user
 * {@code ldap-down} finds the backend unable to answer (454), and {@code crash} makes it throw.
 */
public final class MemoryAuthenticator implements Authenticator {

    private final Map<String, String> users = Map.of("alice", "s3cret", "bob", "b0b");

    @Override
    public Result authenticate(String user, String password) {
        if (user.equals("ldap-down")) return new Result.Unavailable("directory unreachable");
        if (user.equals("crash")) throw new IllegalStateException("bug with " + password);
        String known = users.get(user);
        if (known == null) return new Result.Rejected("unknown user");
        return known.equals(password) ? new Result.Accepted(user) : new Result.Rejected("wrong password");
    }

    @Override
    public String describe() {
        return "memory";
    }

    /** {@code AUTH PLAIN}'s initial response for {@code user} and {@code password}. */
    public static String plain(String user, String password) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
