package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import warden.mail.Reply;
import warden.policy.Decision;
import warden.policy.PolicyEngine;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;
import warden.policy.Verdict;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestDnsServer;
import warden.testing.TestSmtp;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A greeting Warden refuses leaves the session where it was (RFC 5321 4.1.4), but the client did
 * greet: its next MAIL is not "MAIL without HELO", so a policy defer at HELO ({@code reject_at:
 * helo}) stays a 4xx and never becomes {@code helo-missing}'s 550.
 */
class RefusedGreetingTest {

    TestDnsServer dns;
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
        if (dns != null) dns.close();
    }

    @Test
    void aHeloDeferredByThePolicyKeepsTheFollowingMailAt4xx() throws Exception {
        dns = TestDnsServer.start();
        List<String> policyLog = new CopyOnWriteArrayList<>();
        smtp = TestSmtp.withDialoguePolicy("relay_networks: []\npolicy: {reject_at: helo, max_delay: 0s}\n"
                + "checks: {helo-not-fqdn: {action: defer}}\n", dns, policyLog::add);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client").expect(450, "4.7.1");
            // The defer is repeated (reject_at: helo), still a 4xx: before, the session forgot the
            // greeting and helo-missing turned it into 550 5.7.1.
            d.send("MAIL FROM:<alice@example.org>").expect(450, "4.7.1");
            // A greeting the policy takes clears the light finding, and mail flows.
            d.send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("QUIT").expect(221);
        }
        assertThat(policyLog).noneMatch(line -> line.contains("helo-missing"));
    }

    @Test
    void aMailAfterARefusedGreetingIsABadSequenceNotAMissingGreeting() throws Exception {
        List<SessionSnapshot> seen = new CopyOnWriteArrayList<>();
        PolicyEngine deferHelo = client -> snapshot -> {
            seen.add(snapshot);
            return snapshot.stage() == Stage.HELO
                    ? new Decision(new Verdict.Refuse(Reply.of(450, "4.7.1", "not now"), false), Duration.ZERO, List.of(), List.of())
                    : Decision.proceed();
        };
        smtp = new TestSmtp("relay_networks: []\n", deferHelo, TestSmtp.EXAMPLE_TEST, new RecordingStore(), s -> s);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(450, "4.7.1")
                    // RFC 5321 4.1.4: the server stays in the state it was in: no greeting taken yet.
                    .send("MAIL FROM:<alice@example.org>").expect(503, "5.5.1")
                    .send("QUIT").expect(221);
        }
        SessionSnapshot mail = seen.stream().filter(s -> s.stage() == Stage.MAIL).findFirst().orElseThrow();
        // The policy is told the client did greet, with what it sent.
        assertThat(mail.heloVerb()).isEqualTo(Optional.of("EHLO"));
        assertThat(mail.heloName()).isEqualTo(Optional.of("client.example.org"));
    }

    @Test
    void aGreetingRefusedInTheMiddleOfATransactionLeavesTheTransactionAsItWas() throws Exception {
        // The second greeting is refused; the transaction before it must survive (RFC 5321 4.1.4).
        PolicyEngine refuseSecondHelo = client -> {
            int[] helos = {0};
            return snapshot -> snapshot.stage() == Stage.HELO && ++helos[0] > 1
                    ? new Decision(new Verdict.Refuse(Reply.of(550, "5.7.1", "not that name"), false), Duration.ZERO, List.of(), List.of())
                    : Decision.proceed();
        };
        RecordingStore store = new RecordingStore();
        smtp = new TestSmtp("relay_networks: []\n", refuseSecondHelo, TestSmtp.EXAMPLE_TEST, store, s -> s);
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO client.example.org").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test>").expect(250)
                    .send("EHLO other.example.org").expect(550, "5.7.1")
                    // still in the transaction: a second MAIL is nested, DATA goes on with bob
                    .send("MAIL FROM:<carol@example.org>").expect(503, "5.5.1")
                    .send("DATA").expect(354)
                    .raw("Subject: x\r\n\r\nbody\r\n.\r\n").expect(250)
                    .send("QUIT").expect(221);
        }
        assertThat(store.messages).hasSize(1);
        assertThat(store.messages.getFirst().envelope().reversePath()).isEqualTo("alice@example.org");
    }
}
