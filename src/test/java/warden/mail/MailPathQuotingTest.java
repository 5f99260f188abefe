package warden.mail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RFC 5321 4.1.2 quoted-pairSMTP (%d92 %d32-126) and ASCII-only case folding in paths. */
class MailPathQuotingTest {

    @ParameterizedTest(name = "quoted-pair with U+{0} is refused")
    @ValueSource(strings = {"0000", "001b", "000d", "000a", "0009", "001f", "007f", "0085", "00e9", "2028"})
    void aQuotedPairAllowsOnlyPrintableAscii(String hex) {
        String local = "\"a\\" + (char) Integer.parseInt(hex, 16) + "b\"";
        assertThatThrownBy(() -> MailPath.parse("<" + local + "@example.org>", true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void printableQuotedPairsAreFine() {
        MailPath p = MailPath.parse("<\"a\\ b\\\"c\\\\d\\~\"@example.org>", false);
        assertThat(p.localPart()).isEqualTo("\"a\\ b\\\"c\\\\d\\~\"");
    }

    @Test
    void aQuotedLocalPartThatNeedsNoQuotesIsTheSameMailboxUnquoted() {
        assertThat(MailPath.parse("<\"bob\"@example.org>", false).address()).isEqualTo("bob@example.org");
        assertThat(MailPath.parse("<\"b\\ob.x\"@example.org>", false).localPart()).isEqualTo("bob.x");
        // these need their quotes: a space, a leading dot, two dots, an '@', an empty string
        assertThat(MailPath.parse("<\"john smith\"@example.org>", false).localPart()).isEqualTo("\"john smith\"");
        assertThat(MailPath.parse("<\".bob\"@example.org>", false).localPart()).isEqualTo("\".bob\"");
        assertThat(MailPath.parse("<\"a..b\"@example.org>", false).localPart()).isEqualTo("\"a..b\"");
        assertThat(MailPath.parse("<\"a@b\"@example.org>", false).localPart()).isEqualTo("\"a@b\"");
        assertThat(MailPath.parse("<\"\"@example.org>", false).localPart()).isEqualTo("\"\"");
    }

    @Test
    void theClosingQuoteCannotBeEscaped() {
        assertThatThrownBy(() -> MailPath.parse("<\"abc\\\"@example.org>", false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void domainsFoldOnlyAsciiLetters() {
        assertThat(MailPath.parse("<a@EXAMPLE.org>", false).domain()).isEqualTo("example.org");
        // KELVIN SIGN stays itself: it is not the letter k
        assertThat(MailPath.parse("<a@\u212Aelvin.example>", true).domain()).isEqualTo("\u212Aelvin.example");
    }

    @Test
    void aBarePostmasterIsAsciiOnly() {
        assertThat(MailPath.parse("<PostMaster>", false).address()).isEqualTo("postmaster");
        // LATIN SMALL LETTER LONG S upper-cases to S: String.equalsIgnoreCase would take it for postmaster
        assertThatThrownBy(() -> MailPath.parse("<po\u017Ftmaster>", true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void asciiCase() {
        assertThat(AsciiCase.lower("KeViN")).isEqualTo("kevin");
        assertThat(AsciiCase.lower("\u212AEVIN")).isEqualTo("\u212Aevin");
        assertThat(AsciiCase.lower("ÄBC")).isEqualTo("Äbc");
        assertThat(AsciiCase.equalsIgnoreCase("po\u017Ftmaster", "POSTMASTER")).isFalse();
        assertThat(AsciiCase.equalsIgnoreCase("PostMaster", "postmaster")).isTrue();
    }
}
