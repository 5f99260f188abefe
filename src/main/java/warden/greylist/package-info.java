/**
 * Greylisting: a client that has never delivered a given (network, sender, recipient) triplet is
 * asked to come back later, and is let through when it does.
 *
 * <p>{@link warden.greylist.Greylist} holds the rules (delay, retry window, whitelist lifetime,
 * auto-whitelisting of client networks) and turns every question into a
 * {@link warden.greylist.GreylistResult}. It keeps no state of its own: every entry lives in a
 * {@link warden.greylist.GreylistStore}, which is either a SQLite file under the data directory
 * ({@link warden.greylist.SqliteGreylistStore}) or a Redis server shared by several MX hosts
 * ({@link warden.greylist.RedisGreylistStore}). {@link warden.greylist.GreylistAdmin} is the
 * operator's view of the same store, equivalent to greylistd's {@code greylist} tool.
 *
 * <h2>Standards</h2>
 * Evan Harris, "The Next Step in the Spam Control War: Greylisting" (2003); RFC 6647
 * (Email Greylisting: An Applicability Statement); RFC 5321 section 4.5.4.1 (retry strategy);
 * RFC 3463 X.7.1 for the enhanced status codes.
 *
 * <p>The package depends on {@code warden.mail} only; the policy engine consults it, never the
 * other way round.
 */
package warden.greylist;
