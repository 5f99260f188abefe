/**
 * The one policy engine behind every front door: checks are small pure functions from a
 * {@link warden.policy.SessionSnapshot} to a {@link warden.policy.Finding}; configuration turns
 * findings into actions; the engine ({@link warden.policy.DialoguePolicy}) turns actions into a
 * {@link warden.policy.Decision} per stage, with sticky punishments, repeated delays, held
 * rejections and report mode. It knows no sockets: DNS, clock and stores are injected.
 */
package warden.policy;
