/**
 * Checks on the connecting client itself, before any command: reverse DNS, forward-confirmed
 * reverse DNS, and talking before the greeting.
 *
 * <p>Each check is a small pure class named after what it detects; what happens on a failure is
 * the engine's business ({@link warden.policy.DialoguePolicy}).
 */
package warden.policy.client;
