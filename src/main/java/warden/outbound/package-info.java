/**
 * Sending mail on: which next hops serve a recipient domain (routes, smarthost, MX per RFC 5321
 * 5.1), the SMTP client that talks to them, and the outcome per recipient the queue records.
 */
package warden.outbound;
