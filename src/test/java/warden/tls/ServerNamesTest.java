package warden.tls;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Which names a certificate name covers (RFC 6125 section 6.4): exact, case-insensitive, one-label wildcards. */
class ServerNamesTest {

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource({
            "mx.example.org, mx.example.org, true",
            "mx.example.org, MX.Example.ORG, true",
            "mx.example.org, mx.example.org., true",
            "mx.example.org, example.org, false",
            "*.example.org, mx.example.org, true",
            "*.example.org, example.org, false",
            "*.example.org, a.b.example.org, false",
            "*.example.org, .example.org, false",
            "*.org, example.org, false",
            "*.example.org, mx.example.net, false",
            "'', mx.example.org, false",
    })
    void wildcardCoversExactlyOneLabel(String pattern, String name, boolean covered) {
        assertThat(ServerNames.matches(pattern, name)).isEqualTo(covered);
    }
}
