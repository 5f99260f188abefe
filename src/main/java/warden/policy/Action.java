package warden.policy;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the engine does about a failed check, from the mildest to the hardest.
 *
 * <ul>
 *   <li>{@code pass}: nothing; the check is not even run (the per-check off switch).</li>
 *   <li>{@code log}: a line in the main log.</li>
 *   <li>{@code header}: a log line and an {@code X-Helo-Check:} header on the message (helodnscheck's H).</li>
 *   <li>{@code delay}: a log line and a delay before the reply (the seed's punishment for light violations).</li>
 *   <li>{@code defer}: a 4xx reply (450 4.7.1).</li>
 *   <li>{@code deny}: a 5xx reply (550 5.7.1); sticky for the connection.</li>
 *   <li>{@code drop}: a 5xx reply and the connection closed; sticky.</li>
 * </ul>
 *
 * <p>A delay combines with every action: a check's {@code delay} setting is waited whatever its
 * action ("delay, then deny" in the seed's words). Only {@code delay} requires one.
 */
public enum Action {
    PASS, LOG, HEADER, DELAY, DEFER, DENY, DROP;

    /** Lower-cased once: every noteworthy finding's log line describes its action. */
    private final String label = name().toLowerCase(Locale.ROOT);

    /** The name used in config and logs: lower case. */
    public String label() { return label; }

    /** Whether the action refuses the command (defer, deny, drop). */
    public boolean refuses() { return compareTo(DEFER) >= 0; }

    /** Whether the action is a gross punishment that outlives a new HELO (deny, drop). */
    public boolean sticky() { return compareTo(DENY) >= 0; }

    /** The harder of two actions. */
    public Action max(Action other) { return compareTo(other) >= 0 ? this : other; }

    /**
     * Parses a config value ({@code deny}, case-insensitive).
     *
     * @throws IllegalArgumentException naming the valid values
     */
    public static Action parse(String text) {
        for (Action a : values()) {
            if (a.label().equalsIgnoreCase(text.strip())) return a;
        }
        throw new IllegalArgumentException("unknown action '" + text + "'; use one of "
                + Arrays.stream(values()).map(Action::label).collect(Collectors.joining(", ")));
    }
}
