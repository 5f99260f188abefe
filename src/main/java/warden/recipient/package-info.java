/**
 * Recipients: which addresses we accept at RCPT and where each one goes.
 *
 * <p>{@link warden.recipient.DomainRouter} is the {@link warden.recipient.RecipientVerifier}: it
 * reads the seed's virtual-domain files through {@link warden.recipient.VirtualDomains} (one
 * {@link warden.recipient.AliasTable} per domain, reloaded on change), maps local domains to
 * mailboxes, and refuses with a {@link warden.mail.Reply} everything else. The result is a list of
 * {@link warden.recipient.Route}s that {@code warden.delivery} turns into files.
 */
package warden.recipient;
