package warden.smtp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.message.DataFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The input buffer starts small and grows while a client sends in bulk: whatever sizes the
 * reads come in, commands and DATA read the same.
 */
class SmtpInputTest {

    @TempDir
    Path dir;

    /** Hands out the bytes in random-sized pieces, as a socket may. */
    private static InputStream choppy(byte[] bytes, long seed, int largest) {
        Random random = new Random(seed);
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(largest)));
            }
        };
    }

    @Test
    void commandsAndABulkDataSectionReadTheSameWhateverTheReadSizes() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 4000; i++) {
            body.append(i % 7 == 0 ? "." : "").append("line ").append(i).append(" ").append("x".repeat(i % 90)).append("\r\n");
        }
        String expected = body.toString().replace("\r\n.", "\r\n").replaceFirst("^\\.", "");
        String wire = "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nDATA\r\n" + body + ".\r\nQUIT\r\n";
        byte[] bytes = wire.getBytes(StandardCharsets.US_ASCII);
        for (int largest : new int[] {1, 7, 700, 5000, 100_000}) {
            SmtpInput in = new SmtpInput(choppy(bytes, largest, largest));
            assertThat(in.readLine(512)).isEqualTo("EHLO client.example");
            assertThat(in.readLine(512)).isEqualTo("MAIL FROM:<a@example.org>");
            assertThat(in.readLine(512)).isEqualTo("DATA");
            SmtpInput.DataResult data = in.readData(new DataFiles(dir, 0).writer(10_000_000), 1000, false);
            assertThat(new String(data.message().open().readAllBytes(), StandardCharsets.US_ASCII)).as("reads of up to %d bytes", largest).isEqualTo(expected);
            assertThat(in.readLine(512)).isEqualTo("QUIT");
            assertThat(in.readLine(512)).isNull();
        }
    }

    @Test
    void peekSeesBytesAcrossReadsWithoutConsumingThem() throws IOException {
        SmtpInput in = new SmtpInput(choppy("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\nEHLO x\r\n".getBytes(StandardCharsets.US_ASCII), 1, 3));
        assertThat(new String(in.peek(12), StandardCharsets.US_ASCII)).isEqualTo("PROXY TCP4 1");
        assertThat(in.readLine(512)).isEqualTo("PROXY TCP4 192.0.2.1 192.0.2.2 1 2");
        assertThat(in.readLine(512)).isEqualTo("EHLO x");
    }
}
