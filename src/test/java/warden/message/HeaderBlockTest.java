package warden.message;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The header block the DATA checks read is bounded, whatever the message sends, in memory or from a file. */
class HeaderBlockTest {

    @TempDir
    Path dir;

    private ReceivedMessage[] both(String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        MessageWriter w = new DataFiles(dir, 0).writer(100_000_000);
        for (byte b : bytes) w.add(b);
        ReceivedMessage file = w.finish();
        assertThat(file.file()).isPresent();
        return new ReceivedMessage[] {ReceivedMessage.of(bytes), file};
    }

    private static String text(HeaderBlock h) {
        return new String(h.bytes(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void theHeaderEndsAtTheEmptyLineAndTheBodyIsNotRead() throws IOException {
        String body = "Received: in the body\r\n".repeat(100_000);
        for (ReceivedMessage m : both("Subject: a\r\nFrom: b@c.d\r\n\r\n" + body)) {
            assertThat(text(m.header())).isEqualTo("Subject: a\r\nFrom: b@c.d\r\n");
            assertThat(m.header().lines()).isEqualTo(2);
            assertThat(m.header().truncated()).isFalse();
            m.discard();
        }
    }

    @Test
    void aThousandLinesAreReadWholeAndTheThousandAndFirstIsCut() throws IOException {
        String thousand = "X-Line: 1\r\n".repeat(1000);
        for (ReceivedMessage m : both(thousand + "\r\nbody\r\n")) {
            assertThat(m.header().lines()).isEqualTo(1000);
            assertThat(m.header().truncated()).isFalse();
            m.discard();
        }
        for (ReceivedMessage m : both(thousand + "X-Line: 1001\r\n\r\nbody\r\n")) {
            assertThat(m.header().lines()).isEqualTo(1000);
            assertThat(m.header().truncated()).isTrue();
            assertThat(text(m.header())).isEqualTo(thousand);
            m.discard();
        }
    }

    @Test
    void aHeaderOverTheOctetBoundIsCutAtALineEnd() throws IOException {
        String line = "X-Long: " + "y".repeat(990) + "\r\n"; // 1000 octets
        String header = line.repeat(300); // 300 000 octets, over 256 KiB, under 1000 lines
        for (ReceivedMessage m : both(header + "\r\nbody\r\n")) {
            assertThat(m.header().truncated()).isTrue();
            assertThat(m.header().bytes().length).isLessThanOrEqualTo(HeaderBlock.MAX_OCTETS).isEqualTo(262 * 1000);
            assertThat(text(m.header())).endsWith("\r\n");
            m.discard();
        }
        // one endless line: nothing of it fits
        for (ReceivedMessage m : both("X-Endless: " + "z".repeat(400_000) + "\r\n\r\nbody\r\n")) {
            assertThat(m.header().truncated()).isTrue();
            assertThat(m.header().bytes()).isEmpty();
            m.discard();
        }
    }

    @Test
    void aMessageThatIsAllHeaderIsReadWhole() throws IOException {
        for (ReceivedMessage m : both("Subject: only a header\r\nFrom: a@b.c\r\n")) {
            assertThat(m.header().lines()).isEqualTo(2);
            assertThat(m.header().truncated()).isFalse();
            m.discard();
        }
        assertThat(ReceivedMessage.of(new byte[0]).header().lines()).isZero();
    }
}
