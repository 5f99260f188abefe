package warden.smtp.auth;

import warden.mail.Reply;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One AUTH exchange: the AUTH command's argument, then the client's responses to our
 * challenges, until there are credentials to check or a reason to refuse. The SMTP session reads
 * the lines and sends the replies; this class only decides.
 *
 * <pre>
 * SaslExchange x = new SaslExchange();
 * Step s = x.start("PLAIN AGFsaWNlAHNlY3JldA==");   // or "LOGIN", then two challenges
 * while (s instanceof Challenge c) s = x.respond(send(c.reply()).readLine());
 * </pre>
 *
 * <h2>Standards</h2>
 * RFC 4954 section 4 (the AUTH command, initial response, {@code =} for an empty one, {@code *}
 * to cancel with 501, 504 for an unknown mechanism, 334 challenges in BASE64, the 12 288-octet
 * line), RFC 4616 (PLAIN, {@link SaslPlain}), draft-murchison-sasl-login-00 (LOGIN: the
 * challenges {@code Username:} and {@code Password:}; an initial response, which Exim, Postfix and
 * Cyrus accept, is the user name).
 *
 * <p>Not offered: CRAM-MD5 and DIGEST-MD5 (they need the password in clear on the server, RFC 6331
 * retires DIGEST-MD5) and the SCRAM family (its stored keys are not what {@code passwd_file}
 * holds). PLAIN and LOGIN are only safe inside TLS, which is why the session offers them there.
 */
public final class SaslExchange {

    /** RFC 4954 section 4: AUTH lines and responses, CRLF included. */
    public static final int LINE_MAX = 12_288;

    /** The mechanisms, in the order EHLO lists them. */
    public enum Mechanism {
        PLAIN, LOGIN;

        /** As the main log's {@code A=} writes it: {@code plain}, {@code login}. */
        public String logName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The EHLO keyword's value: {@code AUTH PLAIN LOGIN}. */
    public static final String ADVERTISED = "AUTH " + String.join(" ",
            List.of(Mechanism.values()).stream().map(Mechanism::name).toList());

    /** What to do next. */
    public sealed interface Step permits Challenge, Credentials, Refused {}

    /** Send {@code reply} (334) and give the client's next line to {@link #respond}. */
    public record Challenge(Reply reply) implements Step {}

    /** The exchange is complete: check these; the password is never in {@link #toString()}. */
    public record Credentials(Mechanism mechanism, String user, String password) implements Step {
        @Override
        public String toString() {
            return "Credentials[" + mechanism + ", user=" + user + ", password=(hidden)]";
        }
    }

    /**
     * The exchange is over without credentials to check.
     *
     * @param reply what the client gets
     * @param mechanism the mechanism, when one was named
     * @param user the user the client tried, when known (for the log line)
     * @param why for the log, never the password
     * @param failedCredentials whether this counts as a failed attempt (535: throttled, logged for fail2ban)
     */
    public record Refused(Reply reply, Optional<Mechanism> mechanism, Optional<String> user, String why,
                          boolean failedCredentials) implements Step {}

    private static final Reply EMPTY_CHALLENGE = Reply.of(334, "", "");
    private static final Reply USERNAME = Reply.of(334, "", SaslText.encode("Username:"));
    private static final Reply PASSWORD = Reply.of(334, "", SaslText.encode("Password:"));

    private Mechanism mechanism;
    private String loginUser; // LOGIN: the user name, once given
    private boolean over;

    /** Begins with the AUTH command's argument: {@code MECHANISM [initial-response]}. */
    public Step start(String argument) {
        if (mechanism != null || over) throw new IllegalStateException("an exchange starts once");
        String[] words = argument.split(" ", -1);
        if (argument.isEmpty() || words.length > 2 || words[0].isEmpty()) return end(refuse(AuthReplies.SYNTAX, "no mechanism or extra words"));
        Mechanism m;
        try {
            m = Mechanism.valueOf(words[0].toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return end(refuse(AuthReplies.UNKNOWN_MECHANISM, "unknown mechanism"));
        }
        mechanism = m;
        if (words.length == 1) return m == Mechanism.PLAIN ? new Challenge(EMPTY_CHALLENGE) : new Challenge(USERNAME);
        String initial = words[1];
        if (initial.isEmpty()) return end(refuse(AuthReplies.SYNTAX, "empty initial response"));
        // RFC 4954 4: "=" is an empty initial response; "*" cancels only a response to a challenge,
        // but the client means it here too.
        if (initial.equals("*")) return end(refuse(AuthReplies.CANCELLED, "cancelled by the client"));
        return received(initial.equals("=") ? Optional.of(new byte[0]) : SaslText.base64(initial));
    }

    /** Continues with the client's line after a {@link Challenge}. */
    public Step respond(String line) {
        if (mechanism == null || over) throw new IllegalStateException("no challenge is waiting for a response");
        if (line.equals("*")) return end(refuse(AuthReplies.CANCELLED, "cancelled by the client"));
        return received(SaslText.base64(line));
    }

    /** The mechanism, once {@link #start} named a known one. */
    public Optional<Mechanism> mechanism() {
        return Optional.ofNullable(mechanism);
    }

    /** The user the client has named so far (LOGIN after its first response), for the log. */
    public Optional<String> user() {
        return Optional.ofNullable(loginUser);
    }

    private Step received(Optional<byte[]> decoded) {
        if (decoded.isEmpty()) return end(refuse(AuthReplies.BAD_BASE64, "response is not BASE64"));
        byte[] bytes = decoded.get();
        return switch (mechanism) {
            case PLAIN -> plain(bytes);
            case LOGIN -> login(bytes);
        };
    }

    private Step plain(byte[] message) {
        Optional<SaslPlain> parsed = SaslPlain.parse(message);
        if (parsed.isEmpty()) return end(refuse(AuthReplies.BAD_PLAIN, "malformed PLAIN message"));
        SaslPlain p = parsed.get();
        if (!p.authorizes()) {
            return end(new Refused(AuthReplies.INVALID_CREDENTIALS, Optional.of(mechanism), Optional.of(p.authcid()),
                    "asked to act as another user (authorization identity differs from the login)", true));
        }
        return end(new Credentials(mechanism, p.authcid(), p.password()));
    }

    private Step login(byte[] response) {
        Optional<String> text = SaslText.utf8(response, 0, response.length);
        if (text.isEmpty() || text.get().indexOf('\0') >= 0) {
            return end(refuse(AuthReplies.BAD_BASE64, "response is not UTF-8 text"));
        }
        if (loginUser == null) {
            loginUser = text.get();
            return new Challenge(PASSWORD);
        }
        if (loginUser.isEmpty() || text.get().isEmpty()) {
            return end(new Refused(AuthReplies.INVALID_CREDENTIALS, Optional.of(mechanism), Optional.of(loginUser),
                    "empty user name or password", true));
        }
        return end(new Credentials(mechanism, loginUser, text.get()));
    }

    private Refused refuse(Reply reply, String why) {
        return new Refused(reply, Optional.ofNullable(mechanism), Optional.ofNullable(loginUser), why, false);
    }

    private Step end(Step last) {
        over = true;
        return last;
    }
}
