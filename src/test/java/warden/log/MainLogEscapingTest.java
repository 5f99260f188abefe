package warden.log;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/** The main log's last line of defence: whatever a caller logs, the file holds printable lines only. */
class MainLogEscapingTest {

    @TempDir
    Path dir;

    @Test
    void controlCharactersNeverReachTheFile() throws Exception {
        Path file = dir.resolve("mainlog");
        try (MainLog log = new MainLog(file, null, Clock.systemUTC())) {
            log.log("H=(x) [192.0.2.1] F=<\"\u0000\u001b[2J\"@example.org> rejected\r\nforged line\u2028\u0085 ünïcode");
        }
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(text).endsWith("rejected\\x0d\\x0aforged line\\u2028\\x85 ünïcode\n")
                .contains("F=<\"\\x00\\x1b[2J\"@example.org>");
        assertThat(text.lines()).hasSize(1);
        for (byte b : bytes) assertThat(b == '\n' || (b & 0xff) >= 0x20 && b != 0x7f).as("byte %02x", b).isTrue();
    }
}
