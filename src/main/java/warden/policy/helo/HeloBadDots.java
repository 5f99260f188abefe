package warden.policy.helo;

import warden.policy.Check;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

/**
 * {@code helo-bad-dots}: a leading dot, two dots in a row, or a trailing dot.
 *
 * <p>Seed 002's three recipes ({@code \.$}, {@code \.\.}). A trailing dot names the same host in
 * DNS terms and Postfix accepts it, so the default only logs; empty labels also fail
 * {@code helo-syntax}.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.2 ({@code Domain} has no empty label and no trailing dot).
 */
public final class HeloBadDots implements Check {

    public static final String NAME = "helo-bad-dots";

    // The findings that need no words of the client's: made once, not at every verdict.
    private static final Finding NOT_A_HOST_NAME = new Finding(NAME, Finding.Outcome.SKIP, "not a host name");
    private static final Finding NO_MISPLACED_DOTS = new Finding(NAME, Finding.Outcome.PASS, "no misplaced dots");

    @Override public String name() { return NAME; }

    @Override public Stage stage() { return Stage.HELO; }

    @Override
    public Finding check(SessionSnapshot s) {
        if (!(HeloName.of(s) instanceof HeloName.Hostname h)) return NOT_A_HOST_NAME;
        String raw = h.raw();
        if (raw.startsWith(".")) return fail("HELO " + h.shown() + " starts with a dot");
        if (raw.contains("..")) return fail("HELO " + h.shown() + " has two dots in a row (an empty label)");
        if (h.trailingDot()) return fail("HELO " + h.shown() + " ends with a dot");
        return NO_MISPLACED_DOTS;
    }
}
