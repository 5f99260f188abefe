package warden.policy;

import java.time.Duration;

/**
 * How the engine treats one check's failure: the action, the delay that goes with it, and the
 * clients the check is not applied to ({@code checks.<name>.action}, {@code .delay}, {@code .exempt}).
 *
 * @param action what to do when the check fails
 * @param delay how long to wait before the reply when it fails (zero for none); combines with any action
 * @param exempt clients for which the check is skipped (helodnscheck's per-IP {@code NOHELODNSCHECK})
 */
public record CheckSettings(Action action, Duration delay, HostList exempt) {

    public CheckSettings {
        if (delay.isNegative()) throw new IllegalArgumentException("a delay cannot be negative: " + delay);
        if (delay.compareTo(PolicySettings.DELAY_LIMIT) > 0) {
            throw new IllegalArgumentException("a delay of " + delay.toSeconds() + "s is longer than the "
                    + PolicySettings.DELAY_LIMIT.toSeconds() + "s a client is sure to wait (RFC 5321 4.5.3.2)");
        }
        if (action == Action.DELAY && delay.isZero()) {
            throw new IllegalArgumentException("action 'delay' needs a delay such as '20s'");
        }
    }

    /** The action with no delay and no exemptions. */
    public static CheckSettings of(Action action) {
        return new CheckSettings(action, Duration.ZERO, HostList.EMPTY);
    }

    /** The action after a delay ("delay, then deny"), no exemptions. */
    public static CheckSettings of(Action action, Duration delay) {
        return new CheckSettings(action, delay, HostList.EMPTY);
    }

    public CheckSettings withAction(Action a) {
        return new CheckSettings(a, a == Action.DELAY && delay.isZero() ? PolicySettings.DEFAULT_DELAY : delay, exempt);
    }

    public CheckSettings withDelay(Duration d) { return new CheckSettings(action, d, exempt); }

    public CheckSettings withExempt(HostList list) { return new CheckSettings(action, delay, list); }

    /** For logs and reports: {@code deny}, {@code delay 20s}, {@code delay 20s, deny}. */
    public String describe() {
        return describe(action, delay);
    }

    /** {@link #describe()} of an action and delay, without making settings of them (a log line per finding does this). */
    static String describe(Action action, Duration delay) {
        if (delay.isZero() || action == Action.PASS) return action.label();
        String wait = "delay " + delay.toSeconds() + "s";
        return action == Action.DELAY ? wait : wait + ", " + action.label();
    }
}
