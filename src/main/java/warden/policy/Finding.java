package warden.policy;

/**
 * What one check saw: its name (kebab-case, as in config and logs), the outcome and a one-line
 * human reason.
 */
public record Finding(String check, Outcome outcome, String reason) {

    /** PASS: nothing wrong; FAIL: the check found the fault; SKIP: not applicable or exempt; TEMPFAIL: could not tell now. */
    public enum Outcome {
        PASS, FAIL, SKIP, TEMPFAIL;

        /** Lower-cased once: log lines and headers name the outcome of every noteworthy finding. */
        private final String label = name().toLowerCase(java.util.Locale.ROOT);

        /** The name used in logs and headers: lower case. */
        public String label() { return label; }
    }
}
