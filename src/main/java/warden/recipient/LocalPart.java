package warden.recipient;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The rules a recipient's local part must follow here: Exim's default RCPT ACL, and the stricter
 * rule for a name that becomes a mailbox directory.
 *
 * <p>Exim's default configuration denies local parts that start with a dot or contain
 * {@code @ % ! / |}: they are used to probe for source routing ({@code %} hack, bang paths),
 * to reach files or pipes through aliases, and to walk out of directories. The seed's RCPT rules
 * repeat this: "if the recipient name contains illegal characters or starts with a dot = Deny".
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.2 ({@code Local-part = Dot-string / Quoted-string}); Exim's default
 * {@code acl_check_rcpt} ({@code deny local_parts = ^[.] : ^.*[@%!/|]}).
 *
 * <p>Not supported: local parts that need their quotes ({@code "john smith"@example.org}) are
 * refused; they are legal but nobody here has one and they are a favourite of address-parser
 * exploits. A quoted form that needs no quotes ({@code "bob"}) never gets here: {@code MailPath}
 * has already made it {@code bob}.
 * Mailbox names are ASCII only (no SMTPUTF8 mailboxes).
 */
public final class LocalPart {

    private static final Pattern MAILBOX = Pattern.compile("[a-z0-9][a-z0-9._+=-]{0,63}");

    private LocalPart() {}

    /**
     * Why this local part may not be used, or empty if it may.
     *
     * @param localPart the part before the last {@code @}, as the client gave it
     */
    public static Optional<String> illegal(String localPart) {
        if (localPart.isEmpty()) return Optional.of("the local part is empty");
        if (localPart.charAt(0) == '"') return Optional.of("quoted local parts are not accepted here");
        if (localPart.charAt(0) == '.') return Optional.of("the local part starts with a dot");
        for (int i = 0; i < localPart.length(); i++) {
            char c = localPart.charAt(i);
            if ("@%!/|".indexOf(c) >= 0) return Optional.of("the local part contains '" + c + "'");
            if (c <= ' ' || c == 0x7f) return Optional.of("the local part contains a space or control character");
        }
        return Optional.empty();
    }

    /**
     * Whether {@code user} is safe as a mailbox directory name: lower-case ASCII letters and
     * digits, then also {@code . _ + = -}, at most 64 characters, no {@code ..}. Such a name can
     * never leave the mail directory it is put into.
     */
    public static boolean isMailboxName(String user) {
        return MAILBOX.matcher(user).matches() && !user.contains("..");
    }
}
