/**
 * Checks on the message itself at the end of DATA: header syntax (RFC 5322) and mail loops (too
 * many {@code Received:} fields). The seed's "Header syntax is incorrect = Deny".
 */
package warden.policy.content;
