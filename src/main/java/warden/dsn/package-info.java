/**
 * Delivery status notifications: the DSN parameters (RFC 3461) carried from RCPT and MAIL to the
 * queue and on to the next hop, and the reports (RFC 3464) a failure, a delay or a requested
 * success produces.
 *
 * <p>{@link warden.dsn.DsnParameter} and {@link warden.dsn.XText} read the parameters in the SMTP
 * session; {@link warden.dsn.DeliveryReports} writes the reports the queue sends from {@code <>}.
 */
package warden.dsn;
