/**
 * SMTP AUTH (RFC 4954) and the duties of a submission server (RFC 6409): the SASL mechanisms
 * PLAIN and LOGIN ({@link warden.smtp.auth.SaslExchange}), the throttle on failed attempts per
 * client network ({@link warden.smtp.auth.AuthThrottle}), which logins may use which envelope
 * senders ({@link warden.smtp.auth.SenderLogins}), the replies of AUTH
 * ({@link warden.smtp.auth.AuthReplies}) and the main-log line fail2ban reads
 * ({@link warden.smtp.auth.AuthLogLine}).
 *
 * <p>Nothing here checks a password: that is a {@link warden.auth.Authenticator}'s job. Nothing
 * here reads a socket: the SMTP session feeds the lines in and sends the replies out.
 */
package warden.smtp.auth;
