package warden.outbound;

/** A login and password for AUTH PLAIN/LOGIN at a relay (never logged, never in a reply). */
public record Credentials(String login, String password) {
    @Override
    public String toString() {
        return "Credentials[" + login + ", ****]";
    }
}
