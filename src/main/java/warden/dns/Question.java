package warden.dns;

import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * One DNS question: an absolute owner name and a record type (class IN is implied).
 *
 * <p>The cache key and the key of a query in flight. dnsjava's {@link Name} compares and hashes
 * case-insensitively, as RFC 4343 requires, so {@code Mail.Example} and {@code mail.example} are
 * one question.
 *
 * @param name the absolute name asked about
 * @param type a dnsjava {@link Type} constant
 */
record Question(Name name, int type) {

    @Override
    public String toString() {
        return name.toString(true) + "/" + Type.string(type);
    }
}
