package warden.queue;

import java.time.Instant;

/** Where one recipient of a queued message stands; only {@link Pending} and {@link Deferred} are still to do. */
public sealed interface RecipientState {

    /** Not tried yet. */
    record Pending() implements RecipientState {}

    /** Tried {@code attempts} times; the last answer, and when to try again. */
    record Deferred(int attempts, Instant nextAttempt, String lastReply) implements RecipientState {}

    /** Done: the remote (or local) confirmation. */
    record Delivered(Instant at, String reply) implements RecipientState {}

    /** Given up: the permanent reply, or why we stopped (expired, null MX, loop). */
    record Failed(Instant at, String reply) implements RecipientState {}

    default boolean done() {
        return this instanceof Delivered || this instanceof Failed;
    }
}
