package warden.policy;

/** The points of the SMTP dialogue at which the policy engine is asked for a decision, in order. */
public enum Stage {
    CONNECT, HELO, MAIL, RCPT, DATA;

    /** Lower-cased once: every log line of the engine names its stage. */
    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The name used in logs and config: lower case. */
    public String label() { return label; }
}
