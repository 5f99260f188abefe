package warden.policy.dnsbl;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static warden.policy.Snapshots.ip;

/** Return-code filters in Exim's and Postfix's syntaxes, and the answers that are never a listing. */
class ReturnCodesTest {

    @ParameterizedTest(name = "{0} with {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            (any)                        | 127.0.0.2       | true
            (any)                        | 127.0.0.11      | true
            127.0.0.2                    | 127.0.0.2       | true
            127.0.0.2                    | 127.0.0.3       | false
            127.0.0.2-127.0.0.11         | 127.0.0.4       | true
            127.0.0.2-127.0.0.11         | 127.0.0.11      | true
            127.0.0.2-127.0.0.11         | 127.0.0.20      | false
            127.0.0.[2..11]              | 127.0.0.10      | true
            127.0.0.[2..11]              | 127.0.1.10      | false
            127.0.[0;1].[2;4..6]         | 127.0.1.5       | true
            127.0.[0;1].[2;4..6]         | 127.0.1.3       | false
            &0.0.0.4                     | 127.0.0.4       | true
            &0.0.0.4                     | 127.0.0.6       | true
            &0.0.0.4                     | 127.0.0.2       | false
            &0x04                        | 127.0.0.12      | true
            &4                           | 127.0.0.3       | false
            (any)                        | 127.255.255.254 | false
            (any)                        | 127.255.255.255 | false
            (any)                        | 127.255.255.252 | false
            127.0.0.0-127.255.255.255    | 127.255.255.254 | false
            &0.255.255.0                 | 127.255.255.254 | false
            (any)                        | 127.0.0.1       | false
            (any)                        | 192.0.2.1       | false
            0.0.0.0-255.255.255.255      | 192.0.2.1       | false
            """)
    void filters(String filter, String answer, boolean listed) {
        ReturnCodes codes = filter.equals("(any)") ? ReturnCodes.ANY : ReturnCodes.parse(List.of(filter));
        assertThat(codes.matches(ip(answer))).isEqualTo(listed);
    }

    @Test
    void severalItemsMatchWhenAnyDoes() {
        ReturnCodes codes = ReturnCodes.parse(List.of("127.0.0.2", "&0.0.0.8"));
        assertThat(codes.matches(ip("127.0.0.2"))).isTrue();
        assertThat(codes.matches(ip("127.0.0.9"))).isTrue();
        assertThat(codes.matches(ip("127.0.0.4"))).isFalse();
    }

    @Test
    void refusalCodesAreNamedForTheLog() {
        assertThat(ReturnCodes.refusal(ip("127.255.255.254"))).hasValueSatisfying(r -> assertThat(r).contains("open resolver"));
        assertThat(ReturnCodes.refusal(ip("127.255.255.255"))).hasValueSatisfying(r -> assertThat(r).contains("too many queries"));
        assertThat(ReturnCodes.refusal(ip("127.255.255.252"))).hasValueSatisfying(r -> assertThat(r).contains("typing error"));
        assertThat(ReturnCodes.refusal(ip("127.255.255.250"))).isPresent();
        assertThat(ReturnCodes.refusal(ip("127.0.0.255"))).isPresent();
        assertThat(ReturnCodes.refusal(ip("192.0.2.1"))).hasValueSatisfying(r -> assertThat(r).contains("outside 127.0.0.0/8"));
        assertThat(ReturnCodes.refusal(ip("127.0.0.2"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0", "127.0.0.256", "127.0.0.[11..2]", "&0", "&banana", "127.0.0.9-127.0.0.2", "zen"})
    void badFiltersAreRefusedWithTheAcceptedForms(String filter) {
        assertThatThrownBy(() -> ReturnCodes.parse(List.of(filter)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(filter).hasMessageContaining("127.0.0.[2..11]");
    }

    @Test
    void postscreenShortFormGivesZoneFilterAndWeight() {
        DnsList l = DnsList.parse("Zen.Spamhaus.org.=127.0.0.[2..11]*2");
        assertThat(l.zone()).isEqualTo("zen.spamhaus.org");
        assertThat(l.weight()).isEqualTo(2);
        assertThat(l.codes().matches(ip("127.0.0.10"))).isTrue();
        assertThat(l.codes().matches(ip("127.0.0.20"))).isFalse();
        assertThat(DnsList.parse("bl.spamcop.net")).isEqualTo(DnsList.of("bl.spamcop.net"));
        assertThatThrownBy(() -> DnsList.parse("bl.spamcop.net*x")).hasMessageContaining("weight");
        assertThatThrownBy(() -> DnsList.parse("not a zone")).hasMessageContaining("not a DNS zone");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.99                              | 99.2.0.192.zen.example
            127.0.0.2                               | 2.0.0.127.zen.example
            ::ffff:192.0.2.99                       | 99.2.0.192.zen.example
            2001:db8::1                             | 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.example
            3ffe:ffff:836f:0a00:000a:0800:200a:c031 | 1.3.0.c.a.0.0.2.0.0.8.0.a.0.0.0.0.0.a.0.f.6.3.8.f.f.f.f.e.f.f.3.zen.example
            """)
    void queryNamesReverseOctetsAndNibbles(String client, String query) {
        assertThat(DnsList.of("zen.example").query(ip(client))).isEqualTo(query);
    }

    @Test
    void theIpv6TestEntryKeepsItsIpv6FormWhenBuiltFromBytes() throws Exception {
        // RFC 5782 section 5's ::FFFF:7F00:2; InetAddress.getByName would turn it into 127.0.0.2
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        b[12] = 0x7f;
        b[15] = 2;
        InetAddress v6 = java.net.Inet6Address.getByAddress(null, b, -1);
        assertThat(DnsList.of("zen.example").query(v6)).as("mapped addresses are asked as IPv4 (Haraka dns-list 1.3.0)")
                .isEqualTo("2.0.0.127.zen.example");
    }
}
