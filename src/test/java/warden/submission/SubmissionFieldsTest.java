package warden.submission;

import org.junit.jupiter.api.Test;
import warden.message.ReceivedMessage;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 6409 8.2 and 8.3: Date: and Message-ID: added when missing, never twice. */
class SubmissionFieldsTest {

    static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 3, 4, 30, 0, 0, ZoneOffset.UTC);

    private static ReceivedMessage message(String text) {
        return ReceivedMessage.of(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void bothAreAddedToAMessageWithoutThem() {
        try (ReceivedMessage m = message("From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n")) {
            var add = SubmissionFields.missing(m.header(), NOW, "mx.example.org");
            assertThat(add).hasSize(2);
            assertThat(add.get(0)).isEqualTo("Date: Thu, 3 Dec 2026 04:30:00 +0000");
            assertThat(add.get(1)).matches("Message-ID: <20261203043000\\.[0-9a-f]{16}@mx\\.example\\.org>");
        }
    }

    @Test
    void whatIsThereIsNotAddedAgainWhateverItsCase() {
        try (ReceivedMessage m = message("DATE: Wed, 2 Dec 2026 10:00:00 +0100\r\nmessage-id: <x@y>\r\n\r\nbody\r\n")) {
            assertThat(SubmissionFields.missing(m.header(), NOW, "mx.example.org")).isEmpty();
        }
        try (ReceivedMessage m = message("Date: Wed, 2 Dec 2026 10:00:00 +0100\r\n\r\nbody\r\n")) {
            assertThat(SubmissionFields.missing(m.header(), NOW, "mx.example.org")).singleElement().asString().startsWith("Message-ID: <");
        }
    }

    @Test
    void twoIdsAreNeverTheSame() {
        assertThat(SubmissionFields.messageId(NOW, "h")).isNotEqualTo(SubmissionFields.messageId(NOW, "h"));
    }
}
