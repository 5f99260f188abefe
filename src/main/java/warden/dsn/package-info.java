/**
 * Delivery status notifications: the DSN parameters (RFC 3461) carried from RCPT and MAIL to the
 * queue and on to the next hop, and the reports (RFC 3464) a failure, a delay or a requested
 * success produces.
 */
package warden.dsn;
