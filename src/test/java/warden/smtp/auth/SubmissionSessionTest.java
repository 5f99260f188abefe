package warden.smtp.auth;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.mail.Reply;
import warden.policy.PolicyEngine;
import warden.recipient.RecipientVerdict;
import warden.recipient.RecipientVerifier;
import warden.recipient.Route;
import warden.testing.Dialogue;
import warden.testing.RecordingStore;
import warden.testing.TestSmtp;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.smtp.auth.AuthSessionTest.plain;

/**
 * The duties of a submission server (RFC 6409, issue 9 section 5), over real loopback sockets: a
 * port 25 listener and a submission listener of one server.
 */
@Timeout(60)
class SubmissionSessionTest {

    @TempDir
    Path dir;
    TestSmtp smtp;
    final RecordingStore store = new RecordingStore();

    /** Mailboxes at example.test; anything else only for a client that may relay. */
    static final RecipientVerifier ROUTER = (address, mayRelay) -> address.endsWith("@example.test")
            ? new RecipientVerdict.Accepted(List.of(new Route.Mailbox(address.substring(0, address.indexOf('@')))))
            : mayRelay ? new RecipientVerdict.Accepted(List.of(new Route.Remote(address)))
            : new RecipientVerdict.Refused(Reply.of(550, "5.7.1", "Relaying denied"), "relaying denied");

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    private void start(String extraAuth) throws Exception {
        String yaml = """
                relay_networks: []
                listen:
                  - {address: "127.0.0.1:0", allow_plaintext_auth: true}
                  - {address: "127.0.0.1:0", role: submission, allow_plaintext_auth: true}
                auth:
                  passwd_file: /nonexistent/passwd
                """ + extraAuth;
        var config = TestSmtp.parse(yaml);
        AuthServices auth = AuthServices.from(config.auth(), Optional.of(new warden.testing.MemoryAuthenticator()), Clock.systemUTC());
        smtp = new TestSmtp(yaml, PolicyEngine.permissive(), ROUTER, store, UnaryOperator.identity(), s -> s.withAuth(auth));
    }

    private InetSocketAddress port25() {
        return smtp.server.boundAddresses().get(0);
    }

    private InetSocketAddress port587() {
        return smtp.server.boundAddresses().get(1);
    }

    @Test
    void theSubmissionPortWantsAuthBeforeMail() throws Exception {
        start("");
        try (Dialogue d = Dialogue.connect(port587())) {
            d.expect(220).send("EHLO laptop").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(530, "5.7.0 Authentication required")
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                    .send("MAIL FROM:<alice@example.org>").expect(250);
        }
        try (Dialogue d = Dialogue.connect(port25())) {
            d.expect(220).send("EHLO laptop").expect(250).send("MAIL FROM:<alice@example.org>").expect(250);
        }
    }

    @Test
    void anAuthenticatedClientMayRelayAndTheArrivalLineNamesTheLogin() throws Exception {
        start("");
        try (Dialogue d = Dialogue.connect(port25())) {
            d.expect(220).send("EHLO laptop").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<friend@elsewhere.example>").expect(550, "Relaying denied");
        }
        try (Dialogue d = Dialogue.connect(port587())) {
            d.expect(220).send("EHLO laptop").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<friend@elsewhere.example>").expect(250)
                    .send("DATA").expect(354)
                    .send("Subject: hi").send("").send("hello").send(".").expect(250);
        }
        assertThat(store.messages).singleElement().satisfies(m -> {
            assertThat(m.routes().get("friend@elsewhere.example")).containsExactly(new Route.Remote("friend@elsewhere.example"));
            assertThat(m.trace().protocol()).isEqualTo("ESMTPA");
        });
        assertThat(smtp.awaitLine(" <= <alice@example.org>")).contains(" P=esmtpa A=plain:alice S=");
    }

    @Test
    void dateAndMessageIdAreAddedOnTheSubmissionPortOnly() throws Exception {
        start("");
        for (InetSocketAddress port : List.of(port587(), port25())) {
            try (Dialogue d = Dialogue.connect(port)) {
                d.expect(220).send("EHLO laptop").expect(250)
                        .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                        .send("MAIL FROM:<alice@example.org>").expect(250)
                        .send("RCPT TO:<bob@example.test>").expect(250)
                        .send("DATA").expect(354)
                        .send("From: alice@example.org").send("Subject: no date").send("").send("body").send(".").expect(250);
            }
        }
        assertThat(store.messages).hasSize(2);
        assertThat(store.messages.get(0).extraHeaders()).satisfiesExactly(
                date -> assertThat(date).startsWith("Date: "),
                id -> assertThat(id).matches("Message-ID: <\\d{14}\\.[0-9a-f]{16}@mx\\.warden\\.test>"));
        assertThat(store.messages.get(1).extraHeaders()).as("port 25 changes nothing").isEmpty();
    }

    @Test
    void aMessageWithDateAndMessageIdKeepsThem() throws Exception {
        start("");
        try (Dialogue d = Dialogue.connect(port587())) {
            d.expect(220).send("EHLO laptop").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                    .send("MAIL FROM:<alice@example.org>").expect(250)
                    .send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354)
                    .send("Date: Thu, 3 Dec 2026 04:00:00 +0000").send("Message-ID: <mine@laptop>").send("").send("body")
                    .send(".").expect(250);
        }
        assertThat(store.messages.getFirst().extraHeaders()).isEmpty();
    }

    @Test
    void theSenderMustBelongToTheLoginWhenSenderLoginIsConfigured() throws Exception {
        Path map = dir.resolve("sender-login");
        Files.writeString(map, "alice@example.org: alice\nsales@example.org: alice, bob\n");
        start("  sender_login: " + map + "\n");
        try (Dialogue d = Dialogue.connect(port587())) {
            d.expect(220).send("EHLO laptop").expect(250)
                    .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                    .send("MAIL FROM:<bob@example.org>").expect(553, "5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice")
                    .send("MAIL FROM:<ceo@elsewhere.example>").expect(553, "not owned by user alice")
                    .send("MAIL FROM:<Sales@Example.org>").expect(250)
                    .send("RSET").expect(250)
                    .send("MAIL FROM:<>").expect(250); // the null sender
        }
        try (Dialogue d = Dialogue.connect(port25())) {
            d.expect(220).send("EHLO forger").expect(250)
                    .send("MAIL FROM:<alice@example.org>").expect(553, "owned by a user of this server; authenticate")
                    .send("MAIL FROM:<someone@elsewhere.example>").expect(250);
        }
        assertThat(smtp.awaitLine("rejected MAIL <bob@example.org>")).contains("553 5.7.1");
    }

    @Test
    void anAuthenticatedClientSkipsTheHeloAndClientChecks() throws Exception {
        try (warden.testing.TestDnsServer dns = warden.testing.TestDnsServer.start()) {
            String yaml = """
                    relay_networks: []
                    listen:
                      - {address: "127.0.0.1:0", allow_plaintext_auth: true}
                    auth: {passwd_file: /nonexistent/passwd}
                    policy: {reject_at: rcpt, max_delay: 0s}
                    checks: {helo-not-fqdn: {action: deny}}
                    """;
            var config = TestSmtp.parse(yaml);
            var resolver = new warden.dns.DnsjavaResolver(List.of(dns.address()), java.time.Duration.ofSeconds(1), 0, 100, Clock.systemUTC());
            var policy = new warden.policy.DialoguePolicy(config.policy().settings(
                    warden.policy.OwnIdentity.of(config.hostname(), java.util.Set.of(), java.util.Set.of())), resolver, line -> { });
            AuthServices auth = AuthServices.from(config.auth(), Optional.of(new warden.testing.MemoryAuthenticator()), Clock.systemUTC());
            smtp = new TestSmtp(yaml, policy, ROUTER, store, UnaryOperator.identity(), s -> s.withAuth(auth));
            try (Dialogue d = smtp.dialogue()) {
                d.expect(220).send("EHLO laptop").expect(250)
                        .send("MAIL FROM:<alice@example.org>").expect(250)
                        .send("RCPT TO:<bob@example.test>").expect(550, "is not a fully-qualified domain name");
            }
            try (Dialogue d = smtp.dialogue()) {
                d.expect(220).send("EHLO laptop").expect(250)
                        .send("AUTH PLAIN " + plain("alice", "s3cret")).expect(235)
                        .send("MAIL FROM:<alice@example.org>").expect(250)
                        .send("RCPT TO:<bob@example.test>").expect(250)
                        .send("RCPT TO:<friend@elsewhere.example>").expect(250);
            }
        }
    }
}
