/**
 * Checks on the HELO/EHLO greeting: its syntax, its form (bare IP, literal, single label),
 * forgery of our own identity (host name, domains, addresses), default names of unconfigured
 * software, dynamic-looking names, and what DNS says about it.
 *
 * <p>{@link warden.policy.helo.HeloName} parses the argument once; every check is a small pure
 * class reading it. The catalogue and the peers' false positives behind each default are in
 * {@code shared/notes/helo-checks.md}.
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 4.1.1.1, 4.1.2, 4.1.3 and 4.1.4.
 */
package warden.policy.helo;
