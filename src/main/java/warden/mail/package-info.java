/**
 * Value types from the mail RFCs, with no I/O: replies with enhanced status codes, paths from
 * MAIL and RCPT, envelopes, IP networks.
 */
package warden.mail;
