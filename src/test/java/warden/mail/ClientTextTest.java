package warden.mail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClientTextTest {

    @ParameterizedTest(name = "U+{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "0000 | \\x00",        // NUL: grep calls the log binary
            "001b | \\x1b",        // ESC: terminal escape sequences
            "000d | \\x0d",        // CR
            "000a | \\x0a",        // LF
            "0009 | \\x09",        // TAB
            "000b | \\x0b",        // VT
            "000c | \\x0c",        // FF
            "007f | \\x7f",        // DEL
            "0085 | \\x85",        // C1 NEL
            "009b | \\x9b",        // C1 CSI
            "00a0 | \\xa0",        // no-break space
            "2028 | \\u2028",      // LINE SEPARATOR
            "2029 | \\u2029",      // PARAGRAPH SEPARATOR
            "202e | \\u202e",      // RIGHT-TO-LEFT OVERRIDE
            "200b | \\u200b",      // ZERO WIDTH SPACE
            "feff | \\ufeff",      // BOM
            "dc80 | \\udc80",      // a lone surrogate
            "e000 | \\ue000",      // private use
            "0378 | \\u0378",      // unassigned
    })
    void nonPrintablesAreEscaped(String hex, String escaped) {
        String c = String.valueOf((char) Integer.parseInt(hex, 16));
        assertThat(ClientText.escape("a" + c + "b")).isEqualTo("a" + escaped + "b");
    }

    @Test
    void printableTextIsKeptAsItIsAndTheSameStringIsReturned() {
        String s = "Grüße, 日本 \"q\\uoted\"@example.org 😀";
        assertThat(ClientText.escape(s)).isSameAs(s);
    }

    @Test
    void escapingIsIdempotent() {
        String once = ClientText.escape("\u0000\u001b[2J\r\n\u2028\uD83D\uDE00\uDB40\uDC01x");
        assertThat(once).isEqualTo("\\x00\\x1b[2J\\x0d\\x0a\\u2028\uD83D\uDE00\\U000e0001x");
        assertThat(ClientText.escape(once)).isEqualTo(once);
    }

    @Test
    void asciiEscapesNonAsciiAndCuts() {
        assertThat(ClientText.ascii("héllo\u0007", 100)).isEqualTo("h\\xe9llo\\x07");
        assertThat(ClientText.ascii("x".repeat(200), 100)).isEqualTo("x".repeat(100) + "...");
        assertThat(ClientText.ascii("\u0001".repeat(50), 10)).isEqualTo("\\x01\\x01...");
    }

    @Test
    void aReplyNeverCarriesAControlCharacter() {
        Reply r = new Reply(550, "5.1.1", List.of("<\"\r\n250 ok\"@example.org>: unknown\u0000", "second\u2028line"));
        assertThat(r.wire()).isEqualTo("550-5.1.1 <\"\\x0d\\x0a250 ok\"@example.org>: unknown\\x00\r\n"
                + "550 5.1.1 second\\u2028line\r\n");
        assertThat(r.toString()).doesNotContain("\r", "\n", "\u0000", "\u2028");
    }
}
