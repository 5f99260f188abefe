package warden.outbound;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.dsn.MessageDsn;
import warden.dsn.RecipientDsn;
import warden.message.ReceivedMessage;
import warden.outbound.Outcome.Kind;
import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;
import warden.queue.RecipientState;
import warden.testing.PostfixInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SMTP client against a real Postfix on loopback: over STARTTLS (clear text is the scripted
 * peer's part, {@link SmtpTransportTest}), a recipient
 * Postfix refuses, a dot at the start of a line, and Postfix's log showing our configured HELO.
 */
class SmtpTransportPostfixTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void deliversToPostfixOverStartTlsGreetingWithOurHostname() throws Exception {
        String content = "From: a@warden.test\r\nSubject: interop\r\n\r\nbody\r\n.dot line\r\n";
        try (PostfixInstance postfix = PostfixInstance.in(dir).mailbox("bob").starttls().start();
             SmtpTransport transport = new SmtpTransport("mx.warden.test", new LiteralHopResolver(), CredentialSource.NONE,
                     SmtpTimeouts.all(Duration.ofSeconds(30)), Duration.ZERO, 1)) {
            Destination d = LiteralHopResolver.to(postfix.domain(), false, postfix.port());
            var rcpts = List.of(
                    new QueuedRecipient(0, "bob@example.test", RecipientDsn.NONE, new RecipientState.Pending()),
                    new QueuedRecipient(1, "nobody@example.test", RecipientDsn.NONE, new RecipientState.Pending()));
            var m = new QueuedMessage(dir.resolve("none"), "1wTest-000001-AB", Instant.now(), "a@warden.test",
                    MessageDsn.NONE, rcpts, ReceivedMessage.of(content.getBytes(StandardCharsets.US_ASCII)));
            List<Outcome> out = transport.deliver(d, m, rcpts);

            assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
            assertThat(out.get(0).diagnostic()).startsWith("250 2.0.0 Ok: queued as");
            assertThat(out.get(0).tls()).hasValueSatisfying(t -> assertThat(t).startsWith("TLS1."));
            assertThat(out.get(1).kind()).isEqualTo(Kind.FAILED);
            assertThat(out.get(1).status()).isEqualTo("5.1.1");

            List<Path> mail = postfix.awaitDelivered("bob", 1, Duration.ofSeconds(30));
            assertThat(Files.readString(mail.get(0), StandardCharsets.ISO_8859_1))
                    .contains("Received: from mx.warden.test").contains("\n\nbody\n.dot line\n");
            postfix.awaitLine("helo=<mx.warden.test>", "to=<bob@example.test>");
            postfix.awaitLine("TLS connection established from localhost[127.0.0.1]: TLSv1.");
        }
    }
}
