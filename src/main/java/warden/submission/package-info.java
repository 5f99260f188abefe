/**
 * Local submission: {@code warden sendmail}, the sendmail(1) command line that cron, mail(1), PHP
 * and git use. {@link warden.submission.SendmailArguments} parses sendmail's flags,
 * {@link warden.submission.MessageIntake} streams standard input to a temporary file as the
 * message will be sent, and {@link warden.submission.SmtpSubmission} hands it to the running
 * server on loopback, all or nothing; {@link warden.submission.Sendmail} ties them together and
 * {@link warden.submission.Sysexits} names the exit statuses.
 *
 * <p>The SMTP dialogue here is a small lockstep one of its own (one server, on loopback, trusted):
 * the outbound client's concerns (MX, TLS, AUTH, pipelining, connection reuse) do not arise, but
 * it reads replies and dot-stuffs content with the outbound client's own
 * {@link warden.outbound.ReplyReader} and {@link warden.outbound.DotStuffing}.
 */
package warden.submission;
