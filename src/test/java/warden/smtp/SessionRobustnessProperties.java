package warden.smtp;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No input line crashes or wedges a session: after any line (printable junk, control bytes,
 * half-valid commands, huge lines), the server still answers NOOP with 250, or has closed the
 * connection with a 421 for too many errors.
 */
class SessionRobustnessProperties {

    static TestSmtp smtp;

    @BeforeContainer
    static void start() throws Exception {
        smtp = new TestSmtp("limits: {max_errors: 1000, command_timeout: 10s}\n", new RecordingStore());
    }

    @AfterContainer
    static void stop() {
        smtp.close();
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> verbs = Arbitraries.of("HELO", "EHLO", "MAIL FROM:", "RCPT TO:", "VRFY", "RSET", "HELP", "NOOP",
                "MAIL", "RCPT", "EXPN", "AUTH", "STARTTLS", "BDAT", "");
        Arbitrary<String> junk = Arbitraries.strings().withCharRange((char) 1, (char) 255).ofMaxLength(700)
                .map(s -> s.replace("\r", "").replace("\n", ""));
        return net.jqwik.api.Combinators.combine(verbs, junk).as((v, j) -> v + (j.isEmpty() ? "" : " " + j))
                .filter(l -> !l.toUpperCase().startsWith("QUIT") && !l.toUpperCase().startsWith("DATA"));
    }

    @Property(tries = 300)
    void anyCommandLineLeavesTheSessionAnswering(@ForAll("lines") String line) throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send(line);
            List<String> reply = d.readReply();
            assertThat(reply).isNotEmpty();
            assertThat(reply.get(0)).matches("[2345]\\d\\d[ -].*");
            d.send("NOOP").expect(250);
        }
    }

    @Property(tries = 100)
    void anyDataLeavesTheSessionAnswering(@ForAll("lines") String body) throws Exception {
        try (Dialogue d = smtp.dialogue()) {
            d.inTransaction("a@example.org", "b@example.test").send("DATA").expect(354)
                    .raw(body.replace("\u0001", "\n").replace("\u0002", "\r") + "\r\n.\r\n");
            List<String> reply = d.readReply();
            assertThat(reply.get(0)).matches("(250|550|552) .*");
            d.send("NOOP").expect(250);
        }
    }
}
