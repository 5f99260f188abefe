/**
 * The policy front doors for MTAs that keep their own SMTP server: greylistd's socket protocol
 * for Exim's {@code ${readsocket}} ({@link warden.door.greylistd}) and Postfix's SMTPD access
 * policy delegation ({@link warden.door.postfix}). Each is a thin translator between its wire
 * protocol and the one {@link warden.policy.PolicyEngine}: the same inputs get the same decision
 * through every door. {@link DoorListener} is their shared accept loop (loopback TCP and UNIX
 * sockets, a virtual thread per connection, bounded connections, idle deadlines);
 * {@link DoorEngines} is what they ask.
 */
package warden.door;
