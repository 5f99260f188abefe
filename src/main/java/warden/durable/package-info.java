/**
 * Files that survive a crash: write to a temporary name, fsync, rename into place, fsync the
 * directory, with the directory fsync shared by concurrent writers.
 *
 * <p>Used by the Maildir ({@code warden.delivery}) and the outbound spool ({@code warden.queue}),
 * which both promise the client that the message is on disk before the 250.
 */
package warden.durable;
