package warden.dns;

import java.util.List;

/**
 * The answer to one DNS question, in the three values a mail policy must tell apart.
 *
 * <p>{@link Found} carries the records; {@link NotFound} says the name does not exist (NXDOMAIN) or
 * has no record of the asked type (no data); {@link TempFail} says the question could not be
 * answered now (timeout, SERVFAIL, network error). A policy may reject permanently on
 * {@code NotFound}, never on {@code TempFail}: that means "could not tell", logged and nothing more.
 *
 * <h2>Standards</h2>
 * RFC 2308 (negative caching), RFC 5321 section 4.2 (a temporary DNS failure is a 4xx condition).
 *
 * @param <T> the record value type (an address, a host name, a TXT string, an MX)
 */
public sealed interface DnsAnswer<T> permits DnsAnswer.Found, DnsAnswer.NotFound, DnsAnswer.TempFail {

    /** Records were found; the list is never empty. */
    record Found<T>(List<T> values) implements DnsAnswer<T> {
        public Found {
            values = List.copyOf(values);
            if (values.isEmpty()) throw new IllegalArgumentException("Found needs at least one value");
        }
    }

    /** The name does not exist ({@code nxdomain}) or has no record of this type. */
    record NotFound<T>(boolean nxdomain) implements DnsAnswer<T> {}

    /** No answer now: timeout, SERVFAIL, refused, network error. Never a reason to reject permanently. */
    record TempFail<T>(String reason) implements DnsAnswer<T> {}

    /** The records, or an empty list for NotFound and TempFail. */
    default List<T> valuesOrEmpty() {
        return this instanceof Found<T> f ? f.values() : List.of();
    }

    default boolean isTempFail() {
        return this instanceof TempFail<T>;
    }
}
