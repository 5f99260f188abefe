package warden.mail;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.Inet6Address;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The examples of RFC 5952 (sections 2, 4 and 5), and the edges of the zero-run rule. */
class IpTextTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // section 2.1-2.3: the same address written many ways
            "2001:db8:0:0:1:0:0:1          | 2001:db8::1:0:0:1",   // 4.2.3: the first of two equal runs
            "2001:0db8:0:0:1:0:0:1         | 2001:db8::1:0:0:1",
            "2001:db8::1:0:0:1             | 2001:db8::1:0:0:1",
            "2001:db8::0:1:0:0:1           | 2001:db8::1:0:0:1",
            "2001:0db8::1:0:0:1            | 2001:db8::1:0:0:1",
            "2001:db8:0:0:1::1             | 2001:db8::1:0:0:1",
            "2001:db8:0000:0:1::1          | 2001:db8::1:0:0:1",
            "2001:DB8:0:0:1::1             | 2001:db8::1:0:0:1",   // 4.3: lower case
            "2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001 | 2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", // 4.1: no leading zeros
            "2001:db8:aaaa:bbbb:cccc:dddd:eeee:001  | 2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
            "2001:db8:aaaa:bbbb:cccc:dddd:eeee:01   | 2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
            "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1    | 2001:db8:aaaa:bbbb:cccc:dddd:eeee:1",
            "2001:db8:aaaa:bbbb:cccc:dddd::1        | 2001:db8:aaaa:bbbb:cccc:dddd:0:1",  // 4.2.2: one 0 group stays
            "2001:db8:0:0:0::1             | 2001:db8::1",          // 4.2.1: as short as possible
            "2001:db8:0:0::1               | 2001:db8::1",
            "2001:db8:0::1                 | 2001:db8::1",
            "2001:db8::1                   | 2001:db8::1",
            "2001:db8:0:0:0:0:0:1          | 2001:db8::1",          // what getHostAddress() writes
            "2001:db8:0:0:0:0:2:1          | 2001:db8::2:1",        // 4.2.1
            "2001:db8:0:1:1:1:1:1          | 2001:db8:0:1:1:1:1:1", // 4.2.2
            "2001:0:0:1:0:0:0:1            | 2001:0:0:1::1",        // 4.2.3: the longest run
            "::                            | ::",
            "::1                           | ::1",
            "1::                           | 1::",
            "0:0:0:1:0:0:0:0               | 0:0:0:1::",            // the later run is the longer
            "fe80:0:0:0:0:0:0:1            | fe80::1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff | ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "192.0.2.1                     | 192.0.2.1",
            "0.0.0.0                       | 0.0.0.0",
            "::ffff:192.0.2.1              | 192.0.2.1",            // Java gives an IPv4 address for a mapped one
    })
    void writesTheCanonicalText(String written, String canonical) throws Exception {
        assertThat(IpText.of(InetAddress.getByName(written))).isEqualTo(canonical);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "0:0:0:0:0:ffff:c000:0201 | ::ffff:192.0.2.1", // section 5: an IPv4-mapped address that stayed IPv6
            "fe80:0:0:0:0:0:0:1       | fe80::1",          // a scope id is not part of the text
    })
    void anInet6AddressKeepsItsFamily(String written, String canonical) throws Exception {
        byte[] raw = InetAddress.getByName(written).getAddress();
        if (raw.length == 4) raw = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, raw[0], raw[1], raw[2], raw[3]};
        assertThat(IpText.of(Inet6Address.getByAddress(null, raw, 2))).isEqualTo(canonical);
        assertThat(IpText.bracketed(Inet6Address.getByAddress(null, raw, 2))).isEqualTo("[" + canonical + "]");
    }
}
