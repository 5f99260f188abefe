package warden.policy.client;

import warden.policy.Finding;

/**
 * {@code early-talker}: the client sent data before the 220 greeting.
 *
 * <p>Ratware fires its commands without waiting; a real MTA waits for the banner. Only the SMTP
 * session can see this (it watches the socket while it holds back the banner), so this is not a
 * {@link warden.policy.Check}: the session tells the engine through
 * {@link warden.policy.PolicySession#clientTalkedEarly()}, and the engine records this finding as
 * a connect-stage one, judged by {@code checks.early-talker.action} like any other.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.3.1 (the client waits for the greeting); Postfix postscreen's "pregreet" test
 * and Haraka's early_talker plugin.
 */
public final class EarlyTalker {

    public static final String NAME = "early-talker";

    private EarlyTalker() {}

    /** The finding recorded when the session saw the client talk first. */
    public static Finding finding() {
        return new Finding(NAME, Finding.Outcome.FAIL, "the client sent data before the 220 greeting (RFC 5321 4.3.1)");
    }
}
