package warden.policy.helo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class HeloNameTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            host name                        | mail.example.com          | Hostname
            upper case host name             | MAIL.Example.COM          | Hostname
            single label                     | DESKTOP-3507CDS           | Hostname
            empty                            | ''                        | Empty
            bare IPv4                        | 192.0.2.1                 | BareAddress
            bare IPv6                        | 2001:db8::1               | BareAddress
            IPv4 literal                     | [192.0.2.1]               | AddressLiteral
            IPv6 literal                     | [IPv6:2001:db8::1]        | AddressLiteral
            IPv6 literal, tag in upper case  | [IPV6:2001:db8::1]        | AddressLiteral
            untagged IPv6 literal            | [2001:db8::1]             | AddressLiteral
            general literal                  | [x400:c=gb;a=x]           | AddressLiteral
            three numbers are a name         | 192.0.2                   | Hostname
            octet over 255 is a name         | 999.1.1.1                 | Hostname
            """)
    void parsesTheForm(String name, String argument, String form) {
        assertThat(HeloName.parse(argument).getClass().getSimpleName()).isEqualTo(form);
    }

    @Test
    void normalisesCaseAndOneTrailingDot() {
        HeloName.Hostname h = (HeloName.Hostname) HeloName.parse("Mail.Example.COM.");
        assertThat(h.name()).isEqualTo("mail.example.com");
        assertThat(h.trailingDot()).isTrue();
        assertThat(h.qualified()).isTrue();
        assertThat(h.syntaxError()).isEmpty();
    }

    @Test
    void comparesLiteralsAsAddresses() throws Exception {
        HeloName.AddressLiteral l = (HeloName.AddressLiteral) HeloName.parse("[IPv6:2001:DB8:0:0::1]");
        assertThat(l.address()).contains(InetAddress.getByName("2001:db8::1"));
        HeloName.AddressLiteral mapped = (HeloName.AddressLiteral) HeloName.parse("[IPv6:::ffff:192.0.2.1]");
        assertThat(mapped.address()).contains(InetAddress.getByName("192.0.2.1"));
    }

    @Test
    void keepsWordsAfterTheFirst() {
        assertThat(HeloName.parse("[192.0.2.1] my laptop").raw()).isEqualTo("[192.0.2.1]");
        assertThat(HeloName.extra("[192.0.2.1] my laptop")).isEqualTo("my laptop");
    }

    @Test
    void showsHostileTextSafely() {
        String shown = HeloName.parse("evil\r\nX-Injected:yes").shown();
        assertThat(shown).doesNotContain("\r").doesNotContain("\n");
        assertThat(HeloName.parse("a".repeat(300)).shown()).hasSizeLessThan(90);
    }
}
