package warden.policy.content;

import warden.mail.Reply;
import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.util.Optional;

/**
 * {@code header-missing-date}: the message has no {@code Date:} field.
 *
 * <p>RFC 5322 3.6 requires one, but a missing {@code Date:} is a sloppy sender, not a malformed
 * message: neither Exim's {@code verify = header_syntax} (the seed's rule, which checks address
 * fields only) nor Postfix refuses it, and Postfix adds one for its own clients
 * ({@code always_add_missing_headers}). So it is its own check, logged by default
 * ({@code checks.header-missing-date.action: log}); an administrator who wants it refused sets
 * {@code deny} and the client is told {@code 550 5.6.0}. A missing {@code Message-ID:} (only
 * "should" in RFC 5322 3.6.4) is not checked at all.
 *
 * <h2>Standards</h2>
 * RFC 5322 section 3.6 (the origination date field is required); RFC 3463 (5.6.0).
 */
public final class HeaderMissingDate implements Check {

    public static final String NAME = "header-missing-date";

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.DATA; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (s.message().isEmpty()) return skip("no message");
        HeaderFields h = HeaderFields.read(s.message().get().header());
        if (h.count("Date") == 0) return fail("the message has no Date: header (required by RFC 5322 3.6)");
        return pass("a Date: header is present");
    }

    @Override
    public Optional<Reply> refusal(Finding failed, boolean permanent) {
        return Optional.of(permanent ? Reply.of(550, "5.6.0", "Header error: " + failed.reason())
                : Reply.of(451, "4.6.0", "Header error: " + failed.reason() + "; try again later"));
    }
}
