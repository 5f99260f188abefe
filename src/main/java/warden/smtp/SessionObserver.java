package warden.smtp;

import warden.policy.Decision;
import warden.policy.Stage;

/** Sees what a session decides; {@code simulate} prints it, the server ignores it. */
public interface SessionObserver {

    SessionObserver NONE = new SessionObserver() {};

    /** A policy decision was made at {@code stage}. */
    default void decided(Stage stage, Decision decision) {}

    /** A free-form note ("recipient verified: routes ...", "delivery skipped"). */
    default void note(String text) {}
}
