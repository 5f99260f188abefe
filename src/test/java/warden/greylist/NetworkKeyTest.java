package warden.greylist;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class NetworkKeyTest {

    @ParameterizedTest(name = "{0} grouped /{1} /{2} is {3}")
    @CsvSource({
            "192.0.2.77,        24, 64,  192.0.2.0/24",
            "192.0.2.77,        32, 64,  192.0.2.77/32",
            "192.0.2.77,        19, 64,  192.0.0.0/19",
            "192.0.2.77,         0, 64,  0.0.0.0/0",
            "2001:db8:1:2:3::4, 24, 64,  2001:db8:1:2:0:0:0:0/64",
            "2001:DB8:1:2:3::4, 24, 48,  2001:db8:1:0:0:0:0:0/48",
            "::1,               24, 128, 0:0:0:0:0:0:0:1/128",
            "[2001:db8::1],     24, 64,  2001:db8:0:0:0:0:0:0/64",
    })
    void addressesAreGroupedByTheirFamilysPrefix(String address, int v4, int v6, String key) {
        assertThat(NetworkKey.parse(address, v4, v6).text()).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0} keeps its own prefix")
    @CsvSource({
            "192.0.2.0/24,     192.0.2.0/24",
            "192.0.2.99/16,    192.0.0.0/16",
            "2001:db8::/32,    2001:db8:0:0:0:0:0:0/32",
    })
    void explicitNetworksKeepTheirPrefix(String network, String key) {
        assertThat(NetworkKey.parse(network, 24, 64).text()).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0} is refused")
    @ValueSource(strings = {"mail.example.org", "localhost", "192.0.2.0/33", "192.0.2.0/x", "", "1.2.3.4.5", "256.1.1.1", "1:2:3"})
    void namesAndBadPrefixesAreRefusedWithoutAskingDns(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkKey.parse(text, 24, 64));
    }
}
