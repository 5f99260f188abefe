package warden.outbound;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class DotStuffingTest {

    private static String wire(String content) throws Exception {
        var out = new ByteArrayOutputStream();
        DotStuffing.copy(new ByteArrayInputStream(content.getBytes(StandardCharsets.ISO_8859_1)), out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void doublesALeadingDotOnEveryLineAndEndsWithTheDot() throws Exception {
        assertThat(wire(".first\r\nmid.dle\r\n.\r\n..two\r\n")).isEqualTo("..first\r\nmid.dle\r\n..\r\n...two\r\n.\r\n");
    }

    @Test
    void completesTheLastLineAndTurnsALoneLfIntoCrlf() throws Exception {
        assertThat(wire("a\nb")).isEqualTo("a\r\nb\r\n.\r\n");
        assertThat(wire("a\n.\n")).as("a smuggled end of data is stuffed").isEqualTo("a\r\n..\r\n.\r\n");
        assertThat(wire("")).isEqualTo(".\r\n");
    }

    @Test
    void aDotAtAChunkBoundaryIsStillStuffed() throws Exception {
        String filler = "x".repeat(64 * 1024 - 2) + "\r\n";
        assertThat(wire(filler + ".z\r\n")).isEqualTo(filler + "..z\r\n.\r\n");
    }
}
