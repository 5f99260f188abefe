/**
 * Delivery: turns an accepted message into durable files, one per local mailbox (Maildir) and
 * one for the outbound spool, before the client gets its 250.
 *
 * <p>{@link warden.delivery.LocalStore} is the {@link warden.delivery.MessageStore};
 * {@link warden.delivery.Maildir} does the Maildir protocol and Maildir++ folders;
 * {@link warden.delivery.DeliveryHeaders} writes Return-path, Envelope-to, Delivery-date and
 * Received.
 */
package warden.delivery;
