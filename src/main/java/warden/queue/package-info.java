/**
 * The outbound queue: messages for addresses outside our domains, kept on disk until they are
 * delivered to another server or bounced.
 *
 * <p>{@link warden.queue.Spool} keeps one message file per message, written once
 * ({@code spool/queue/ID}, {@link warden.queue.SpoolEnvelope}), and one append-only journal of
 * what happened to it ({@code spool/journal/ID}, {@link warden.queue.JournalEvent}).
 * {@link warden.queue.MessageState} is the two read together, without the body.
 * {@link warden.queue.QueueAdmin} is what the {@code warden queue} commands do, safe while
 * {@code serve} runs.
 */
package warden.queue;
