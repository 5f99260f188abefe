package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-syntax}: the argument is neither an RFC 5321 {@code Domain} nor an address literal.
 *
 * <p>Fails on empty labels, labels starting or ending with a hyphen, labels over 63 or names over
 * 255 characters, characters other than letters, digits, hyphens and dots, malformed literals,
 * and words after a domain. One trailing dot is accepted here (as Postfix does; {@code helo-bad-dots}
 * judges it). The empty argument and the bare IP address have checks of their own and are skipped.
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 4.1.1.1, 4.1.2 and 4.1.3.
 *
 * <h2>Not done</h2>
 * The underscore is accepted (see {@link HeloName}).
 */
public final class HeloSyntax implements Check {

    public static final String NAME = "helo-syntax";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NO_ARGUMENT = new Finding(NAME, Finding.Outcome.SKIP, "no argument (judged by helo-empty)");
    private static final Finding BARE_ADDRESS = new Finding(NAME, Finding.Outcome.SKIP, "a bare IP address (judged by helo-bare-ip)");
    private static final Finding VALID_LITERAL = new Finding(NAME, Finding.Outcome.PASS, "a valid address literal");
    private static final Finding VALID_NAME = new Finding(NAME, Finding.Outcome.PASS, "a valid domain name");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        String argument = s.heloName().orElse("");
        return switch (HeloName.of(s)) {
            case HeloName.Empty e -> NO_ARGUMENT;
            case HeloName.BareAddress b -> BARE_ADDRESS;
            case HeloName.AddressLiteral l -> l.error()
                    .map(why -> fail("HELO " + l.shown() + " is not a valid address literal: " + why + " (RFC 5321 4.1.3)"))
                    .orElse(VALID_LITERAL);
            case HeloName.Hostname h -> h.syntaxError()
                    .map(why -> fail("HELO " + h.shown() + " is not a valid domain name: " + why + " (RFC 5321 4.1.2)"))
                    .orElseGet(() -> HeloName.extra(argument).isEmpty()
                            ? VALID_NAME
                            : fail("HELO " + h.shown() + " is followed by other words; RFC 5321 4.1.1.1 allows one domain"));
        };
    }
}
