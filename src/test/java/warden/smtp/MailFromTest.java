package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

/** MAIL FROM details the peers' test suites check: RFC 1870 SIZE values and the reverse-path grammar. */
class MailFromTest {

    RecordingStore store = new RecordingStore();
    TestSmtp smtp;

    @BeforeEach
    void start() throws Exception {
        smtp = new TestSmtp("limits: {message_size: 2K}\n", store);
    }

    @AfterEach
    void stop() {
        smtp.close();
    }

    /** RFC 1870: {@code size-value ::= 1*20DIGIT}; a value too big for us is 552, not a syntax error. */
    @ParameterizedTest
    @ValueSource(strings = {"2049", "9223372036854775807", "9223372036854775808", "99999999999999999999", "00000000000000002049"})
    void aSizeOfUpToTwentyDigitsOverTheLimitIs552(String size) throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org> SIZE=" + size).expect(552, "5.3.4")
                    .send("MAIL FROM:<alice@example.org> SIZE=2048").expect(250, "2.1.0");
        }
        // The log says what the client asked for, not a value clamped to what a long holds.
        org.assertj.core.api.Assertions.assertThat(smtp.log())
                .contains("rejected MAIL <alice@example.org> SIZE=" + size + ": 552 5.3.4");
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIZE=100000000000000000000", "SIZE=", "SIZE=12a", "SIZE=-1", "SIZE"})
    void aSizeThatIsNotOneToTwentyDigitsIsASyntaxError(String param) throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org> " + param).expect(501, "5.5.4");
        }
    }

    /** RFC 5321 4.1.1.3 and 4.5.1: the bare {@code <postmaster>} is a forward-path only. */
    @Test
    void theBarePostmasterIsNoReversePath() throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<postmaster>").expect(501, "5.1.7")
                    .send("MAIL FROM:<Postmaster>").expect(501, "5.1.7")
                    .send("MAIL FROM:<postmaster@example.org>").expect(250);
        }
    }
}
