package warden.dsn;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 3461 section 4 xtext: any printable US-ASCII value encodes to valid xtext and decodes back. */
class XTextProperties {

    @Provide
    Arbitrary<String> printable() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200);
    }

    @Property(tries = 1000)
    void encodeThenDecodeGivesTheValueBack(@ForAll("printable") String value) {
        String x = XText.encode(value);
        assertThat(x).matches("[!-~]*").doesNotContain("=", " ");
        assertThat(XText.decode(x)).contains(value);
    }

    /** Whatever a client sends, decoding never yields a control character or an 8-bit one (log and spool lines stay whole). */
    @Property(tries = 1000)
    void nothingDecodesToAControlCharacter(@ForAll("anything") String xtext) {
        XText.decode(xtext).ifPresent(v -> assertThat(v).matches("[ -~]*"));
    }

    @Provide
    Arbitrary<String> anything() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40),
                Arbitraries.strings().withChars("+0123456789ABCDEFabcdef=x\r\n").ofMaxLength(20));
    }

    @Example
    void theRfcExamples() {
        assertThat(XText.decode("bob+2Bext@example.org")).contains("bob+ext@example.org");
        assertThat(XText.encode("a=b c+d")).isEqualTo("a+3Db+20c+2Bd");
        assertThat(XText.decode("+2b")).as("hex digits are upper case (RFC 3461 4)").isEmpty();
        assertThat(XText.decode("abc+2")).isEmpty();
        assertThat(XText.decode("abc+")).isEmpty();
        assertThat(XText.decode("a=b")).isEmpty();
        assertThat(XText.decode("+0D+0A")).as("no line break smuggled in").isEmpty();
        assertThat(XText.decode("+C3+A9")).as("8-bit octets").isEmpty();
    }
}
