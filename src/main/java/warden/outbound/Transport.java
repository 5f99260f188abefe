package warden.outbound;

import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;

import java.util.List;

/**
 * Sends one queued message to recipients that share one {@link Destination}.
 *
 * <p>Blocking, called on a virtual thread by the queue manager, which holds the destination's
 * concurrency permit meanwhile. Never throws: every failure is an {@link Outcome}, one per
 * recipient, in the order given.
 */
public interface Transport {
    List<Outcome> deliver(Destination destination, QueuedMessage message, List<QueuedRecipient> recipients);
}
