package warden.policy.content;

import warden.mail.Reply;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code header-syntax}: the message's header section is not what RFC 5322 requires.
 *
 * <p>The seed's "Header syntax is incorrect = Deny" (Exim's {@code verify = header_syntax}),
 * checked at the end of DATA, refused with {@code 550 5.6.0} and the reason:
 * <ul>
 *   <li>every header line is a {@code Name: value} field with a valid name, or a continuation;
 *       no NUL anywhere in the header;</li>
 *   <li>{@code From:} is present (RFC 5322 3.6); a missing {@code Date:} is its own, milder check,
 *       {@link HeaderMissingDate};</li>
 *   <li>no more than one of each field RFC 5322 3.6 allows once: Date, From, Sender, Reply-To,
 *       To, Cc, Bcc, Message-ID, In-Reply-To, References, Subject;</li>
 *   <li>From, Sender, Reply-To, To, Cc, Bcc (and their Resent- forms) hold well-formed addresses
 *       ({@link AddressSyntax}).</li>
 * </ul>
 *
 * <h2>Standards</h2>
 * RFC 5322 sections 2.1, 2.2, 3.6 (field counts), 3.4 (addresses); RFC 3463 (5.6.0: other or
 * undefined media error).
 *
 * <p>It does not check the syntax of dates, message identifiers or MIME structure. Only the
 * bounded {@link warden.message.HeaderBlock} is read: a header section beyond it is judged by
 * what fits.
 */
public final class HeaderSyntax implements Check {

    public static final String NAME = "header-syntax";

    private static final List<String> SINGLETONS = List.of("Date", "From", "Sender", "Reply-To", "To", "Cc", "Bcc",
            "Message-ID", "In-Reply-To", "References", "Subject");

    private static final Map<String, AddressSyntax.Kind> ADDRESSES = Map.ofEntries(
            Map.entry("from", AddressSyntax.Kind.MAILBOX_LIST),
            Map.entry("sender", AddressSyntax.Kind.MAILBOX),
            Map.entry("reply-to", AddressSyntax.Kind.ADDRESS_LIST),
            Map.entry("to", AddressSyntax.Kind.ADDRESS_LIST),
            Map.entry("cc", AddressSyntax.Kind.ADDRESS_LIST),
            Map.entry("bcc", AddressSyntax.Kind.OPTIONAL_ADDRESS_LIST),
            Map.entry("resent-from", AddressSyntax.Kind.MAILBOX_LIST),
            Map.entry("resent-sender", AddressSyntax.Kind.MAILBOX),
            Map.entry("resent-to", AddressSyntax.Kind.ADDRESS_LIST),
            Map.entry("resent-cc", AddressSyntax.Kind.ADDRESS_LIST),
            Map.entry("resent-bcc", AddressSyntax.Kind.OPTIONAL_ADDRESS_LIST));

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.DATA; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (s.message().isEmpty()) return skip("no message");
        HeaderFields h = HeaderFields.read(s.message().get().header());
        if (h.malformed().isPresent()) return fail(h.malformed().get());
        if (h.count("From") == 0) return fail("the message has no From: header (required by RFC 5322 3.6)");
        for (String single : SINGLETONS) {
            int n = h.count(single);
            if (n > 1) return fail("the message has " + n + " " + single + ": headers; RFC 5322 3.6 allows one");
        }
        for (HeaderFields.Field f : h.fields()) {
            AddressSyntax.Kind kind = ADDRESSES.get(f.name().toLowerCase(java.util.Locale.ROOT));
            if (kind == null) continue;
            Optional<String> wrong = AddressSyntax.check(f.value(), kind);
            if (wrong.isPresent()) {
                return fail("the " + f.name() + ": header on line " + f.line() + " is not a valid "
                        + (kind == AddressSyntax.Kind.MAILBOX ? "mailbox" : "address list") + " (RFC 5322 3.4): " + wrong.get());
            }
        }
        return pass(h.fields().size() + " header fields, well-formed");
    }

    @Override
    public Optional<Reply> refusal(Finding failed, boolean permanent) {
        return Optional.of(permanent ? Reply.of(550, "5.6.0", "Header syntax error: " + failed.reason())
                : Reply.of(451, "4.6.0", "Header syntax error: " + failed.reason() + "; try again later"));
    }
}
