package warden.smtp.auth;

import warden.mail.Reply;

/**
 * The replies of SMTP AUTH and of a submission port, each with its enhanced status code, named
 * so a reader finds any of them by its name (as {@link warden.smtp.Replies} for the rest).
 *
 * <h2>Standards</h2>
 * RFC 4954 sections 4 and 6 (334, 235, 500 5.5.6, 501, 504, 530 5.7.0, 534, 535 5.7.8,
 * 538 5.7.11, 454 4.7.0), RFC 3463, RFC 5248 (the registry of enhanced status codes).
 */
public final class AuthReplies {

    private AuthReplies() {}

    /** RFC 4954 6: "235 2.7.0 Authentication Succeeded". */
    public static final Reply SUCCEEDED = Reply.of(235, "2.7.0", "Authentication succeeded");
    /** RFC 4954 6: the credentials are wrong; never says whether the user or the password was. */
    public static final Reply INVALID_CREDENTIALS = Reply.of(535, "5.7.8", "Authentication credentials invalid");
    /** RFC 4954 6: the backend could not tell (directory down, timeout); "could not tell" is never "no". */
    public static final Reply TEMPORARY_FAILURE = Reply.of(454, "4.7.0", "Temporary authentication failure; try again later");
    /** RFC 4954 6 (538): AUTH outside TLS on a listener that does not allow it. */
    public static final Reply ENCRYPTION_REQUIRED = Reply.of(538, "5.7.11",
            "Encryption required for requested authentication mechanism; use STARTTLS first");
    /** RFC 4954 6 (530): MAIL on a submission port before AUTH. */
    public static final Reply AUTHENTICATION_REQUIRED = Reply.of(530, "5.7.0", "Authentication required");
    /** RFC 4954 4: "*" from the client. */
    public static final Reply CANCELLED = Reply.of(501, "5.0.0", "Authentication cancelled");
    /** RFC 4954 4: a response that is not BASE64 (or decodes to text that is not UTF-8). */
    public static final Reply BAD_BASE64 = Reply.of(501, "5.5.2", "Invalid BASE64 data in the AUTH response");
    /** RFC 4616 2: the PLAIN message is {@code [authzid] NUL authcid NUL passwd}. */
    public static final Reply BAD_PLAIN = Reply.of(501, "5.5.2",
            "Malformed PLAIN response (RFC 4616: [authzid] NUL authcid NUL password)");
    /** RFC 4954 4: an AUTH line or response over 12 288 octets. */
    public static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.6", "Authentication exchange line is too long (RFC 4954: 12288 octets)");
    /** RFC 4954 4: a mechanism the server does not offer. */
    public static final Reply UNKNOWN_MECHANISM = Reply.of(504, "5.5.4", "Unrecognized authentication type; use PLAIN or LOGIN");
    public static final Reply SYNTAX = Reply.of(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]");
    /** RFC 4954 4: "After a successful AUTH command completes, a server MUST reject any further AUTH commands". */
    public static final Reply ALREADY_AUTHENTICATED = Reply.of(503, "5.5.1", "Already authenticated");
    /** RFC 4954 4: "The AUTH command is not permitted during a mail transaction". */
    public static final Reply IN_TRANSACTION = Reply.of(503, "5.5.1", "AUTH is not permitted during a mail transaction");
    /** No credential backend is configured, so AUTH is not offered. */
    public static final Reply NOT_OFFERED = Reply.of(503, "5.5.1", "Authentication is not enabled on this server");
    /** RFC 4954 4: AUTH before EHLO. */
    public static final Reply NEED_EHLO = Reply.of(503, "5.5.1", "Send EHLO first");

    /** The client has failed {@code auth.max_failures} times within {@code auth.failure_window}. */
    public static Reply tooManyFailures(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Too many authentication failures; closing connection");
    }

    /**
     * Postfix's {@code reject_sender_login_mismatch}: the envelope sender does not belong to the
     * login (or, from an unauthenticated client, belongs to someone who has not logged in).
     */
    public static Reply senderNotOwned(String sender, java.util.Optional<String> login) {
        String who = login.map(l -> "not owned by user " + warden.mail.ClientText.ascii(l, 64))
                .orElse("owned by a user of this server; authenticate to send as it");
        return Reply.of(553, "5.7.1", "<" + warden.mail.ClientText.ascii(sender, 256) + ">: Sender address rejected: " + who);
    }
}
