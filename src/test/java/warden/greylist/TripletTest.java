package warden.greylist;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class TripletTest {

    @ParameterizedTest(name = "{0} {1} {2} is keyed {3}")
    @CsvSource({
            "192.0.2.1, Alice@Example.ORG,   Bob@Example.NET,   192.0.2.0/24 alice@example.org bob@example.net",
            "192.0.2.1, <alice@example.org>, <bob@example.net>, 192.0.2.0/24 alice@example.org bob@example.net",
            "192.0.2.1, <>,                  bob@example.net,   192.0.2.0/24 <> bob@example.net",
            "192.0.2.1, '',                  bob@example.net,   192.0.2.0/24 <> bob@example.net",
            // a KELVIN SIGN is not folded to k: \u212Aevin is not kevin's triplet (the domain still folds)
            "192.0.2.1, a@example.org,       \u212Aevin@Example.NET, 192.0.2.0/24 a@example.org \u212Aevin@example.net",
    })
    void addressesAreLowerCasedAndTheNullSenderIsEmpty(String client, String sender, String recipient, String key) {
        Triplet t = Triplet.parse(client, sender, recipient, 24, 64);
        assertThat(t.key()).isEqualTo(key);
        assertThat(t.nullSender()).isEqualTo(key.contains(" <> "));
    }
}
