/**
 * The outbound queue: messages for addresses outside our domains, kept on disk until they are
 * delivered to another server.
 *
 * <p>{@link warden.queue.Spool} writes one durable file per message into {@code incoming/};
 * the queue manager that sends them on, retries and bounces is not written yet.
 */
package warden.queue;
