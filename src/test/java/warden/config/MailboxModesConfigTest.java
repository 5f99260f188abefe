package warden.config;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import warden.durable.FileModes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code mailbox_file_mode} and {@code mailbox_directory_mode}: defaults, octal values, refusals with the fix. */
class MailboxModesConfigTest {

    @Test
    void theDefaultIsOwnerOnly() {
        assertThat(ConfigLoader.parse("", "w.yaml").mailboxModes()).isEqualTo(FileModes.PRIVATE);
        assertThat(FileModes.PRIVATE).hasToString("files 0600, directories 0700");
    }

    @Test
    void octalValuesAreRead() {
        WardenConfig c = ConfigLoader.parse("mailbox_file_mode: 0640\nmailbox_directory_mode: \"0750\"\n", "w.yaml");
        assertThat(c.mailboxModes()).hasToString("files 0640, directories 0750");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "mailbox_file_mode: 0666|1|writable by others",
            "mailbox_file_mode: 0400|1|use 0600",
            "mailbox_file_mode: rw-------|1|octal mode",
            "mailbox_directory_mode: 0777|1|writable by others",
            "hostname: mx.example.org\\nmailbox_directory_mode: 0600|2|use 0700",
    })
    void badModesNameTheLineAndTheFix(String yaml, int line, String text) {
        assertThatThrownBy(() -> ConfigLoader.parse(yaml.replace("\\n", "\n"), "warden.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("warden.yaml:" + line + ":")
                .hasMessageContaining(text);
    }
}
