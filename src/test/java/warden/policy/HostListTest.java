package warden.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

class HostListTest {

    private static final HostList LIST = HostList.of("192.0.2.7", "198.51.100.0/24", "2001:db8:1::/48",
            "*.amazonses.com", "mail.Example.NET", "10.0.0.0/9");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            exact IPv4                               | 192.0.2.7    | ''                            | true
            neighbour of an exact IPv4               | 192.0.2.8    | ''                            | false
            inside a /24                             | 198.51.100.200 | ''                          | true
            inside an IPv6 /48                       | 2001:db8:1:ffff::1 | ''                      | true
            outside the IPv6 /48                     | 2001:db8:2::1 | ''                           | false
            /9 boundary inside                       | 10.127.255.255 | ''                          | true
            /9 boundary outside                      | 10.128.0.0   | ''                            | false
            IPv4-mapped IPv6 client                  | ::ffff:192.0.2.7 | ''                        | true
            wildcard on a confirmed name (seed 004)  | 203.0.113.1  | a1-2.smtp-out.amazonses.com   | true
            wildcard needs something before the dot  | 203.0.113.1  | amazonses.com                 | false
            lookalike domain                         | 203.0.113.1  | x.notamazonses.com.evil.net   | false
            exact name, other case, trailing dot     | 203.0.113.1  | MAIL.example.net.             | true
            no confirmed name                        | 203.0.113.1  | ''                            | false
            """)
    void matches(String name, String client, String confirmed, boolean expected) {
        assertThat(LIST.matches(ip(client), Optional.of(confirmed).filter(c -> !c.isEmpty()))).isEqualTo(expected);
    }

    @Test
    void badEntriesAreReportedWithFileAndLine() {
        List<String> errors = new ArrayList<>();
        HostList list = HostList.parse("/etc/warden/whitelist-hosts",
                List.of("# comment", "192.0.2.0/24 192.0.2.300", "", "10.0.0.0/33", "ex ample!.com", "192.0.2"), errors::add);
        assertThat(errors).containsExactly(
                "/etc/warden/whitelist-hosts:2: '192.0.2.300' is neither an address (192.0.2.1, 2001:db8::1), a network"
                        + " (192.0.2.0/24) nor a host name (*.example.com); correct or remove it",
                "/etc/warden/whitelist-hosts:4: '10.0.0.0/33' is neither an address (192.0.2.1, 2001:db8::1), a network"
                        + " (192.0.2.0/24) nor a host name (*.example.com); correct or remove it",
                "/etc/warden/whitelist-hosts:5: 'ample!.com' is neither an address (192.0.2.1, 2001:db8::1), a network"
                        + " (192.0.2.0/24) nor a host name (*.example.com); correct or remove it",
                "/etc/warden/whitelist-hosts:6: '192.0.2' is neither an address (192.0.2.1, 2001:db8::1), a network"
                        + " (192.0.2.0/24) nor a host name (*.example.com); correct or remove it");
        assertThat(list.matches(ip("192.0.2.9"), Optional.empty())).isTrue();
        assertThat(list.matches(ip("203.0.113.9"), Optional.of("ex"))).as("'ex' is a valid name entry").isTrue();
    }

    @Test
    void hexLookingNamesAreNames() {
        assertThat(HostList.of("face.cafe").matches(ip("203.0.113.1"), Optional.of("face.cafe"))).isTrue();
    }
}
