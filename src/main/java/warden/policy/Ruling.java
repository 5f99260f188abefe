package warden.policy;

import warden.mail.Reply;

import java.time.Duration;
import java.util.Optional;

/**
 * A finding together with what the policy makes of it: the effective action, its delay, and the
 * reply it would refuse with.
 *
 * <p>This is where the temporary-failure rule lives: a TEMPFAIL finding (DNS could not tell now)
 * is logged, never a defer, deny, drop or delay, whatever the check's action and
 * {@code policy.reject_at}: a sender whose zone is broken would otherwise be deferred until its
 * queue gives up, for a fault that is not known to be its own. A check that threw (a bug of
 * ours) can only defer, with 451 4.3.0. A PASS or SKIP finding costs nothing.
 *
 * @param finding what the check saw
 * @param action the effective action ({@link Action#PASS} for PASS and SKIP findings)
 * @param delay the effective delay
 * @param cause why a refusal would be given: the policy, a DNS failure, or a broken check
 */
public record Ruling(Finding finding, Action action, Duration delay, Cause cause) {

    /** What a refusal stems from; decides its reply code. */
    public enum Cause { POLICY, DNS, ERROR }

    /** The ruling on a finding under a check's settings. */
    public static Ruling of(Finding f, CheckSettings s) {
        return switch (f.outcome()) {
            case PASS, SKIP -> new Ruling(f, Action.PASS, Duration.ZERO, Cause.POLICY);
            case FAIL -> new Ruling(f, s.action(), s.delay(), Cause.POLICY);
            // "Could not tell": neither a refusal nor a delay is earned on a guess. The finding is
            // still logged (and headed, if the check heads its findings).
            case TEMPFAIL -> new Ruling(f, switch (s.action()) {
                case PASS, LOG, HEADER -> s.action();
                case DELAY, DEFER, DENY, DROP -> Action.LOG;
            }, Duration.ZERO, Cause.DNS);
        };
    }

    /** The ruling on a check that threw: defer, whatever its settings. */
    public static Ruling broken(String check, RuntimeException e) {
        return new Ruling(new Finding(check, Finding.Outcome.TEMPFAIL, Check.oneLine("the check failed: " + e)),
                Action.DEFER, Duration.ZERO, Cause.ERROR);
    }

    /** The ruling on {@code f} under {@code settings}, or empty if its check is not one of ours. */
    public static Optional<Ruling> of(Finding f, PolicySettings settings) {
        CheckSettings s = settings.checks().get(f.check());
        return s == null ? Optional.empty() : Optional.of(of(f, s));
    }

    /** Whether the finding is worth a log line (and, if asked, a header). */
    public boolean noteworthy() {
        return action != Action.PASS;
    }

    /** For logs and reports: {@code deny}, {@code delay 20s}, {@code delay 20s, deny}. */
    public String describe() {
        return CheckSettings.describe(action, delay);
    }

    /** The reply this ruling refuses with at {@code stage}, if its action refuses. */
    public Optional<Reply> reply(Stage stage) {
        if (!action.refuses()) return Optional.empty();
        boolean connect = stage == Stage.CONNECT;
        if (action.sticky()) {
            return Optional.of(Reply.of(connect ? 554 : 550, "5.7.1", Check.oneLine(finding.reason())));
        }
        int code = connect ? 421 : cause == Cause.POLICY ? 450 : 451;
        return Optional.of(switch (cause) {
            case POLICY -> Reply.of(code, "4.7.1", Check.oneLine(finding.reason()) + "; try again later");
            // Never the finding's reason: DNS error details (exception names, resolver addresses)
            // are for the log only.
            case DNS -> Reply.of(code, "4.4.3", "temporary DNS failure; try again later");
            case ERROR -> Reply.of(code, "4.3.0", "temporary local problem; try again later");
        });
    }
}
