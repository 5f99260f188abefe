package warden.delivery;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import warden.durable.FileModes;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever the recipients, the {@code Envelope-to} field keeps every line within RFC 5322's
 * limits and unfolds to the same list; every octal mode reads back as written.
 */
class DeliveryHeadersProperties {

    @Provide
    Arbitrary<List<String>> recipients() {
        Arbitrary<String> local = Arbitraries.strings().withCharRange('a', 'z').numeric().withChars(".-+_")
                .ofMinLength(1).ofMaxLength(64);
        Arbitrary<String> domain = Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(60)
                .map(d -> d + ".example");
        return net.jqwik.api.Combinators.combine(local, domain).as((l, d) -> l + "@" + d).list().ofMinSize(1).ofMaxSize(300);
    }

    @Property(tries = 300)
    void envelopeToLinesStayShortAndUnfoldToTheList(@ForAll("recipients") List<String> rcpts) {
        String field = DeliveryHeaders.foldedList("Envelope-to:", rcpts);
        assertThat(field).endsWith("\r\n");
        int longest = 0;
        for (String line : field.substring(0, field.length() - 2).split("\r\n")) longest = Math.max(longest, line.length());
        // 78 is RFC 5322's SHOULD; one address alone may be longer (here up to 138), never near the 998 MUST.
        assertThat(longest).isLessThanOrEqualTo(Math.max(78, "Envelope-to: ".length() + 140));
        String unfolded = field.strip().replace("\r\n\t", " ").substring("Envelope-to: ".length());
        assertThat(Arrays.asList(unfolded.split(", "))).isEqualTo(rcpts);
    }

    @Property(tries = 200)
    void octalModesReadBackAsWritten(@ForAll("modes") int bits) {
        String octal = String.format("%04o", bits);
        assertThat(FileModes.octal(FileModes.parseOctal(octal))).isEqualTo(octal);
        assertThat(FileModes.octal(FileModes.parseOctal(octal.substring(1)))).isEqualTo(octal);
    }

    @Provide
    Arbitrary<Integer> modes() {
        return Arbitraries.integers().between(0, 0777);
    }
}
