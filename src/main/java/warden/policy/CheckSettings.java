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

    /**
     * {@link #describe()} of an action and delay, without making settings of them: the log line of
     * nearly every verdict has one, and there are few (an action and a whole number of seconds up
     * to {@link PolicySettings#DELAY_LIMIT}), so each is written once and kept.
     */
    static String describe(Action action, Duration delay) {
        if (delay.isZero() || action == Action.PASS) return action.label();
        long seconds = delay.toSeconds();
        if (seconds >= DESCRIBED[0].length) return describe(action, seconds);
        // Racy but safe: a String is immutable, so another thread sees it whole or writes its own.
        String[] ofAction = DESCRIBED[action.ordinal()];
        String text = ofAction[(int) seconds];
        if (text == null) ofAction[(int) seconds] = text = describe(action, seconds);
        return text;
    }

    private static final String[][] DESCRIBED = new String[Action.values().length][(int) PolicySettings.DELAY_LIMIT.toSeconds() + 1];

    private static String describe(Action action, long seconds) {
        String wait = "delay " + seconds + "s";
        return action == Action.DELAY ? wait : wait + ", " + action.label();
    }
}
