package warden.submission;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The addr-specs of RFC 5322 address lists, as in To:, Cc:, Bcc: and sendmail arguments. */
class AddressListTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bare address                 | bob@example.net                                   | bob@example.net
            name and angle address       | Bob Builder <bob@example.net>                     | bob@example.net
            quoted name with a comma     | "Builder, Bob" <bob@example.net>, carol@x.test    | bob@example.net / carol@x.test
            comments dropped             | bob@example.net (Bob), (x) carol@x.test (Carol)   | bob@example.net / carol@x.test
            a comment holding <> and ,   | bob@example.net (a <b>, c)                        | bob@example.net
            group                        | friends: a@x.test, b@y.test;, c@z.test            | a@x.test / b@y.test / c@z.test
            empty group                  | undisclosed-recipients:;                          | ''
            quoted local part kept whole | "john doe"@example.net                            | "john doe"@example.net
            domain literal               | bob@[192.0.2.1]                                   | bob@[192.0.2.1]
            folded white space           | bob @ example.net ,  carol@x.test                 | bob@example.net / carol@x.test
            no domain                    | root                                              | root
            source route dropped         | <@relay.test:bob@example.net>                     | bob@example.net
            empty elements               | ,, bob@example.net ,                              | bob@example.net
            UTF-8 address                | Jörg <jörg@bücher.example>                        | jörg@bücher.example
            """)
    void addresses(String name, String text, String expected) {
        String[] want = expected.isEmpty() ? new String[0] : expected.split(" / ");
        assertThat(AddressList.parse(text)).as(name).containsExactly(want);
    }

    @Test
    void unbalancedTextIsRefused() {
        for (String bad : Arrays.asList("Bob <bob@example.net", "bob@example.net>", "\"Bob <bob@example.net>", "bob (x",
                "bob@[192.0.2.1")) {
            assertThatThrownBy(() -> AddressList.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
