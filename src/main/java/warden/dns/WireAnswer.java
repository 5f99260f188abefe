package warden.dns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * What one NOERROR or NXDOMAIN response says about a question, and how long that may be believed.
 *
 * <p>The answer section is read by following the CNAME chain from the question name (a recursive
 * server puts the whole chain there); records of other names are ignored. When the chain ends in
 * records of the asked type the answer is {@code Found}, believed for the smallest TTL along the
 * chain. Otherwise it is {@code NotFound}: NXDOMAIN when the rcode says the last name of the chain
 * does not exist, no data otherwise; believed for the SOA rule of RFC 2308.
 *
 * <h2>Standards</h2>
 * RFC 1034 section 3.6.2 and RFC 2181 section 10.1 (CNAME), RFC 2181 section 5.2 (an RRset has one
 * TTL, the smallest is used), RFC 2308 section 5 (negative TTL is the smaller of the SOA TTL and
 * SOA MINIMUM; caps of one to three hours), RFC 6604 (the rcode describes the last name of a chain).
 *
 * <p>It does not judge SERVFAIL or REFUSED (the caller makes those temporary failures), does not
 * follow DNAME, and does not validate DNSSEC.
 *
 * @param answer the answer, with raw dnsjava records when found
 * @param ttl how long it may be cached
 */
record WireAnswer(DnsAnswer<Record> answer, Duration ttl) {

    /** Longest time a positive answer is kept; the recursive server behind us caches longer. */
    static final Duration MAX_POSITIVE_TTL = Duration.ofHours(1);
    /** RFC 2308 section 5: "values of one to three hours have been found to work well". */
    static final Duration MAX_NEGATIVE_TTL = Duration.ofHours(1);
    /**
     * A negative answer without an SOA gives no lifetime. RFC 2308 section 5 says not to cache it at
     * all, to stop answers looping between servers; we are a stub at the end of the chain, so there
     * is no loop, and a short lifetime keeps a flood of lookups for the same bad name off the server.
     */
    static final Duration NEGATIVE_TTL_WITHOUT_SOA = Duration.ofSeconds(30);
    /** CNAME chains longer than this are treated as having no data (a loop or a broken server). */
    static final int MAX_CNAME_HOPS = 16;

    /** Reads {@code response}, whose rcode must be NOERROR or NXDOMAIN, for {@code question}. */
    static WireAnswer read(Question question, Message response) {
        List<Record> section = response.getSection(Section.ANSWER);
        Name name = question.name();
        long chainTtl = Long.MAX_VALUE;
        for (int hops = 0; hops <= MAX_CNAME_HOPS; hops++) {
            List<Record> matching = new ArrayList<>();
            CNAMERecord cname = null;
            for (Record record : section) {
                if (!record.getName().equals(name)) continue;
                if (record.getType() == question.type()) {
                    matching.add(record);
                } else if (record.getType() == Type.CNAME && cname == null) {
                    cname = (CNAMERecord) record;
                }
            }
            if (!matching.isEmpty()) {
                long ttl = Math.min(chainTtl, matching.stream().mapToLong(Record::getTTL).min().orElseThrow());
                return new WireAnswer(new DnsAnswer.Found<>(matching), cap(ttl, MAX_POSITIVE_TTL));
            }
            // A question for CNAME itself is answered by the CNAME record above, never followed.
            if (cname == null) break;
            chainTtl = Math.min(chainTtl, cname.getTTL());
            name = cname.getTarget();
        }
        boolean nxdomain = response.getRcode() == Rcode.NXDOMAIN;
        return new WireAnswer(new DnsAnswer.NotFound<>(nxdomain), negativeTtl(response));
    }

    /** RFC 2308 section 5: the smaller of the SOA record's TTL and its MINIMUM field. */
    private static Duration negativeTtl(Message response) {
        for (Record record : response.getSection(Section.AUTHORITY)) {
            if (record instanceof SOARecord soa) {
                return cap(Math.min(soa.getTTL(), soa.getMinimum()), MAX_NEGATIVE_TTL);
            }
        }
        return NEGATIVE_TTL_WITHOUT_SOA;
    }

    private static Duration cap(long seconds, Duration max) {
        return seconds >= max.toSeconds() ? max : Duration.ofSeconds(Math.max(0, seconds));
    }
}
