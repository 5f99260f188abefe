package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warden.policy.Decision;
import warden.policy.PolicyEngine;
import warden.policy.Stage;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Nothing thrown in a session, an Error included, escapes it: the client gets 421, the server goes on. */
class SessionBoundaryTest {

    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    /** Before the fix the Error went past run(): no 421, nothing in the main log, a dead thread. */
    @Test
    void anErrorInASessionIsLoggedAnsweredWith421AndEndsOnlyThatSession() throws Exception {
        PolicyEngine failing = client -> snapshot -> {
            if (snapshot.stage() == Stage.HELO && snapshot.heloName().orElse("").startsWith("oom")) {
                throw new OutOfMemoryError("injected");
            }
            return Decision.proceed();
        };
        smtp = new TestSmtp("", failing, TestSmtp.EXAMPLE_TEST, new RecordingStore(), UnaryOperator.identity());
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO oom.example.org").expect(421, "4.3.0");
            assertThat(d.closedByServer()).isTrue();
            assertThat(String.join("\n", d.lastReply())).doesNotContain("OutOfMemoryError");
        }
        smtp.awaitLog("internal error: java.lang.OutOfMemoryError: injected");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO fine.example.org").expect(250).send("QUIT").expect(221);
        }
    }
}
