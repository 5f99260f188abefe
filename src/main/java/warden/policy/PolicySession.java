package warden.policy;

/**
 * The policy engine's view of one connection. It remembers what must outlive a stage (sticky
 * punishments, delays to repeat) so that a new HELO cannot wash a gross violation.
 * One per connection; called from that connection's thread only.
 */
public interface PolicySession {

    /** Decides {@code snapshot.stage()} for this connection. Never throws: a failing check defers. */
    Decision decide(SessionSnapshot snapshot);
}
