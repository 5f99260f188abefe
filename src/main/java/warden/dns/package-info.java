/**
 * DNS for mail policy: the questions a mail server asks and answers that tell "does not exist" from
 * "could not find out now".
 *
 * <p>{@link warden.dns.Resolver} is the seam every check depends on; {@link warden.dns.DnsAnswer} is
 * its three-valued answer (Found, NotFound, TempFail) so that a DNS outage is "could not tell", never
 * a reason to refuse or delay mail; {@link warden.dns.HostAddresses} keeps A and AAAA apart, so half
 * an answer is not taken for a whole one; {@link warden.dns.ClientIdentity} is the forward-confirmed reverse DNS of a client;
 * {@link warden.dns.DnsjavaResolver} is the production resolver with its cache. Tests use the real
 * resolver against {@code warden.testing.TestDnsServer} on loopback.
 *
 * <h2>Standards</h2>
 * RFC 1034/1035 (DNS), RFC 2308 (negative caching), RFC 3596 (IPv6), RFC 5321 section 4.2 and 5.1.
 */
package warden.dns;
