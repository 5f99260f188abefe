/**
 * DNS blacklists and whitelists (seed 004's "DNS blacklisting"): the lists and their return-code
 * filters, the weighted lookups of a client, and the two checks that turn a score into the seed's
 * threshold policy ({@code dnsbl-listed}: drop at the threshold; {@code dnsbl-warning}: a header and a
 * delay below it).
 *
 * <p>Answers that are not listings are never counted: Spamhaus's 127.255.255.x refusal codes,
 * answers outside 127.0.0.0/8 (an expired zone's parking page), and every temporary DNS failure.
 *
 * <h2>Standards</h2>
 * RFC 5782 (DNS blacklists and whitelists: query names, 127.0.0.2 test entry, TXT reasons).
 */
package warden.policy.dnsbl;
