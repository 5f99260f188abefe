package warden.policy;

/** The points of the SMTP dialogue at which the policy engine is asked for a decision, in order. */
public enum Stage {
    CONNECT, HELO, MAIL, RCPT, DATA;

    /** The name used in logs and config: lower case. */
    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }
}
