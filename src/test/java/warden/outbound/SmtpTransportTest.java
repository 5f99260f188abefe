package warden.outbound;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.Ret;
import warden.message.ReceivedMessage;
import warden.outbound.Outcome.Kind;
import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;
import warden.queue.RecipientState;
import warden.testing.ScriptedSmtpServer;
import warden.testing.ScriptedSmtpServer.Step;
import warden.testing.ScriptedSmtpServer.Tls;

import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The SMTP client against {@link ScriptedSmtpServer} on loopback: one behaviour per test. */
@Timeout(60)
class SmtpTransportTest {

    private static final String HOSTNAME = "mx.warden.test";
    private static final String CONTENT = "From: a@example.org\r\nSubject: test\r\n\r\nHello\r\n";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
    }

    private ScriptedSmtpServer peer() throws Exception {
        ScriptedSmtpServer p = ScriptedSmtpServer.start();
        closing.add(p);
        return p;
    }

    private SmtpTransport transport(CredentialSource credentials, SmtpTimeouts timeouts) {
        SmtpTransport t = new SmtpTransport(HOSTNAME, new LiteralHopResolver(), credentials, timeouts,
                Duration.ofSeconds(5), 4);
        closing.add(t);
        return t;
    }

    private SmtpTransport transport() {
        return transport(CredentialSource.NONE, SmtpTimeouts.all(Duration.ofSeconds(10)));
    }

    private static QueuedMessage message(String sender, MessageDsn dsn, ReceivedMessage content, List<QueuedRecipient> rcpts) {
        return new QueuedMessage(Path.of("/nonexistent/spool/queue/ID"), "1wTest-000001-AB", Instant.now(), sender, dsn,
                rcpts, content);
    }

    private static QueuedMessage message(String content, String... recipients) {
        return message("a@example.org", MessageDsn.NONE, ReceivedMessage.of(content.getBytes(StandardCharsets.UTF_8)),
                recipients(recipients));
    }

    private static List<QueuedRecipient> recipients(String... addresses) {
        List<QueuedRecipient> out = new ArrayList<>();
        for (String a : addresses) out.add(new QueuedRecipient(out.size(), a, RecipientDsn.NONE, new RecipientState.Pending()));
        return out;
    }

    private static Destination to(ScriptedSmtpServer... peers) {
        int[] ports = new int[peers.length];
        for (int i = 0; i < peers.length; i++) ports[i] = peers[i].port();
        return LiteralHopResolver.to("example.net", false, ports);
    }

    private static List<Outcome> deliver(SmtpTransport t, Destination d, QueuedMessage m) {
        return t.deliver(d, m, m.recipients());
    }

    @Test
    void deliversGreetingWithTheConfiguredHostname() throws Exception {
        var peer = peer();
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DELIVERED);
            assertThat(o.code()).isEqualTo(250);
            assertThat(o.status()).isEqualTo("2.0.0");
            assertThat(o.diagnostic()).isEqualTo("250 2.0.0 Ok: queued");
            assertThat(o.host()).contains("127.0.0.1");
            assertThat(o.address()).hasValueSatisfying(a -> assertThat(a.isLoopbackAddress()).isTrue());
            assertThat(o.tls()).isEmpty();
            assertThat(o.relayed()).isFalse();
        });
        var m = peer.awaitMessages(1, WAIT).get(0);
        assertThat(m.text()).isEqualTo(CONTENT);
        assertThat(m.sender()).isEqualTo("a@example.org");
        assertThat(m.recipients()).containsExactly("b@example.net");
        assertThat(peer.sessions().get(0).greeting()).contains(HOSTNAME);
    }

    @Test
    void rcptRepliesDecideEachRecipient() throws Exception {
        var peer = peer().extensions("ENHANCEDSTATUSCODES")
                .rcpt("later@example.net", "451 4.7.1 try later")
                .rcpt("gone@example.net", "550 5.1.1 no such user");
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "ok@example.net", "later@example.net", "gone@example.net"));
        assertThat(out).extracting(Outcome::kind).containsExactly(Kind.DELIVERED, Kind.DEFERRED, Kind.FAILED);
        assertThat(out.get(1).diagnostic()).isEqualTo("451 4.7.1 try later");
        assertThat(out.get(1).after()).isEqualTo("RCPT TO:<later@example.net>");
        assertThat(out.get(2).diagnostic()).isEqualTo("550 5.1.1 no such user");
        assertThat(peer.awaitMessages(1, WAIT).get(0).recipients()).containsExactly("ok@example.net");
    }

    @Test
    void theDataReplyAnswersEveryAcceptedRecipient() throws Exception {
        var peer = peer().rcpt("gone@example.net", "550 5.1.1 no such user").endOfData("554 5.7.1 spam");
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "x@example.net", "gone@example.net", "y@example.net"));
        assertThat(out).extracting(Outcome::kind).containsExactly(Kind.FAILED, Kind.FAILED, Kind.FAILED);
        assertThat(out.get(0).diagnostic()).isEqualTo("554 5.7.1 spam");
        assertThat(out.get(0).after()).isEqualTo("end of data");
        assertThat(out.get(1).diagnostic()).isEqualTo("550 5.1.1 no such user");
    }

    @Test
    void aConnectionDroppedInDataDefersEveryone() throws Exception {
        var peer = peer().dropInData(10);
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT + "x".repeat(5000) + "\r\n", "b@example.net", "c@example.net"));
        assertThat(out).allSatisfy(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.code()).isZero();
            assertThat(o.status()).isEqualTo("4.4.2");
            assertThat(o.text()).startsWith("connection lost with 127.0.0.1");
        });
        assertThat(peer.messages()).isEmpty();
    }

    @Test
    void aStalledServerTimesOutAndDefers() throws Exception {
        var peer = peer().stall(Step.MAIL);
        long start = System.nanoTime();
        List<Outcome> out = deliver(transport(CredentialSource.NONE, SmtpTimeouts.all(Duration.ofMillis(400))), to(peer),
                message(CONTENT, "b@example.net"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.kind()).isEqualTo(Kind.DEFERRED);
            assertThat(o.text()).startsWith("timeout with 127.0.0.1");
            assertThat(o.after()).isEqualTo("MAIL FROM:<a@example.org>");
        });
    }

    @Test
    void aStalledGreetingMovesOnToTheNextHost() throws Exception {
        var silent = peer().stall(Step.BANNER);
        var good = peer();
        List<Outcome> out = deliver(transport(CredentialSource.NONE, SmtpTimeouts.all(Duration.ofMillis(400))),
                to(silent, good), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(good.messages()).hasSize(1);
    }

    @Test
    void triesHostsInOrderPastRefusedConnectionsAnd4xxGreetings() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        var busy = peer().banner("421 4.3.2 busy");
        var refusesEhlo = peer().reply(Step.EHLO, "451 4.3.0 not now");
        var good = peer();
        Destination d = LiteralHopResolver.to("example.net", false, closedPort, busy.port(), refusesEhlo.port(), good.port());
        List<Outcome> out = deliver(transport(), d, message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(good.messages()).hasSize(1);
        assertThat(busy.connections()).isEqualTo(1);
        assertThat(refusesEhlo.connections()).isEqualTo(1);
    }

    @Test
    void whenEveryHostRefusesTheLastAnswerDecides() throws Exception {
        var busy = peer().banner("421 4.3.2 busy");
        List<Outcome> out = deliver(transport(), to(busy), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).diagnostic()).isEqualTo("421 4.3.2 busy");
        assertThat(out.get(0).after()).isEqualTo("connect");

        var noService = peer().banner("554 5.7.1 no service for you");
        out = deliver(transport(), to(busy, noService), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.FAILED);
        assertThat(out.get(0).diagnostic()).isEqualTo("554 5.7.1 no service for you");

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        out = deliver(transport(), LiteralHopResolver.to("x", false, closedPort), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).status()).isEqualTo("4.4.1");
        assertThat(out.get(0).host()).isEmpty();
    }

    @Test
    void startTlsWhenOfferedAndSaysWhichCipher() throws Exception {
        var peer = peer().tls(Tls.OK);
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(out.get(0).tls()).hasValueSatisfying(t -> assertThat(t).matches("TLS1\\.[23]:TLS_\\w+:(128|256)"));
        var m = peer.awaitMessages(1, WAIT).get(0);
        assertThat(m.tls()).isTrue();
        var session = peer.sessions().get(0);
        assertThat(session.tlsProtocol()).isPresent();
        assertThat(session.lines().stream().filter(l -> l.startsWith("EHLO")).toList())
                .as("EHLO again after STARTTLS").containsExactly("EHLO " + HOSTNAME, "EHLO " + HOSTNAME);
    }

    @Test
    void startTlsRefusedGoesOnInClear() throws Exception {
        var peer = peer().tls(Tls.REFUSED);
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(out.get(0).tls()).isEmpty();
        assertThat(peer.connections()).isEqualTo(1);
        assertThat(peer.awaitMessages(1, WAIT).get(0).tls()).isFalse();
    }

    @Test
    void aFailedHandshakeReconnectsAndDeliversInClear() throws Exception {
        var peer = peer().tls(Tls.BROKEN_HANDSHAKE);
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(out.get(0).tls()).isEmpty();
        assertThat(peer.connections()).isEqualTo(2);
        assertThat(peer.sessions().get(1).lines()).doesNotContain("STARTTLS");
        assertThat(peer.awaitMessages(1, WAIT)).hasSize(1);
    }

    private static final CredentialSource RELAY_LOGIN = host -> Optional.of(new Credentials("relayuser", "s3cret pass"));

    @Test
    void authPlainOverTls() throws Exception {
        var peer = peer().tls(Tls.OK).auth("relayuser", "s3cret pass");
        List<Outcome> out = transport(RELAY_LOGIN, SmtpTimeouts.all(WAIT)).deliver(
                LiteralHopResolver.to("smarthost", true, peer.port()), message(CONTENT, "b@example.net"),
                recipients("b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        var session = peer.sessions().get(0);
        assertThat(session.authenticated()).containsExactly("relayuser");
        assertThat(session.commands()).filteredOn(c -> c.line().startsWith("AUTH PLAIN")).singleElement()
                .satisfies(c -> assertThat(c.tls()).isTrue());
    }

    @Test
    void authLoginOverTlsWhenPlainIsNotOffered() throws Exception {
        var peer = peer().tls(Tls.OK).auth("relayuser", "s3cret pass").authMechanisms("LOGIN");
        List<Outcome> out = transport(RELAY_LOGIN, SmtpTimeouts.all(WAIT)).deliver(
                LiteralHopResolver.to("smarthost", true, peer.port()), message(CONTENT, "b@example.net"),
                recipients("b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(peer.sessions().get(0).authenticated()).containsExactly("relayuser");
        assertThat(peer.sessions().get(0).lines()).contains("AUTH LOGIN");
    }

    @Test
    void aWrongPasswordDefers() throws Exception {
        var peer = peer().tls(Tls.OK).auth("relayuser", "other");
        List<Outcome> out = transport(RELAY_LOGIN, SmtpTimeouts.all(WAIT)).deliver(
                LiteralHopResolver.to("smarthost", true, peer.port()), message(CONTENT, "b@example.net"),
                recipients("b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).text()).startsWith("authentication failed");
        assertThat(peer.messages()).isEmpty();
    }

    @Test
    void neverSendsThePasswordInClear() throws Exception {
        var peer = peer().auth("relayuser", "s3cret pass"); // AUTH offered, no STARTTLS
        List<Outcome> out = transport(RELAY_LOGIN, SmtpTimeouts.all(WAIT)).deliver(
                LiteralHopResolver.to("smarthost", true, peer.port()), message(CONTENT, "b@example.net"),
                recipients("b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).status()).isEqualTo("4.7.0");
        assertThat(out.get(0).text()).contains("offers no TLS");
        assertThat(peer.sessions().get(0).lines()).noneMatch(l -> l.startsWith("AUTH") || l.startsWith("MAIL"));

        var broken = peer().tls(Tls.BROKEN_HANDSHAKE).auth("relayuser", "s3cret pass");
        out = transport(RELAY_LOGIN, SmtpTimeouts.all(WAIT)).deliver(
                LiteralHopResolver.to("smarthost", true, broken.port()), message(CONTENT, "b@example.net"),
                recipients("b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).text()).contains("not sending the password in clear");
        assertThat(broken.connections()).as("no reconnect in clear").isEqualTo(1);
    }

    @Test
    void noCredentialsForAnAuthenticatingDestinationDefersWithoutConnecting() throws Exception {
        var peer = peer().tls(Tls.OK).auth("relayuser", "s3cret pass");
        List<Outcome> out = transport().deliver(LiteralHopResolver.to("smarthost", true, peer.port()),
                message(CONTENT, "b@example.net"), recipients("b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).status()).isEqualTo("4.3.5");
        assertThat(out.get(0).text()).contains("no credentials for 127.0.0.1");
        assertThat(peer.connections()).isZero();
    }

    @Test
    void linesStartingWithADotArriveIntact() throws Exception {
        var peer = peer();
        String content = "Subject: dots\r\n\r\n.\r\n..\r\n.hidden\r\nend.\r\n";
        deliver(transport(), to(peer), message(content, "b@example.net"));
        assertThat(peer.awaitMessages(1, WAIT).get(0).text()).isEqualTo(content);
    }

    @Test
    void aThirtyMegabyteMessageIsStreamedFromItsFile(@TempDir Path dir) throws Exception {
        var peer = peer().keepLimit(0).extensions("PIPELINING", "SIZE 50000000");
        Path file = dir.resolve("spooled");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] envelope = "warden-spool 2\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long size = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(envelope);
            byte[] header = "Subject: big\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            out.write(header);
            sha.update(header);
            size += header.length;
            byte[] line = (".".repeat(1) + "x".repeat(76) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 30 * 1024 * 1024 / line.length; i++) {
                out.write(line);
                sha.update(line);
                size += line.length;
            }
        }
        var content = ReceivedMessage.stored(file, envelope.length, size);
        var m = message("a@example.org", MessageDsn.NONE, content, recipients("b@example.net"));
        List<Outcome> out = deliver(transport(), to(peer), m);
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        var got = peer.awaitMessages(1, WAIT).get(0);
        assertThat(got.size()).isEqualTo(size);
        assertThat(got.sha256()).isEqualTo(HexFormat.of().formatHex(sha.digest()));
        assertThat(got.mailFrom()).contains("SIZE=" + size);
    }

    @Test
    void pipelinesTheEnvelopeWhenOffered() throws Exception {
        var peer = peer().replyDelay(Duration.ofMillis(100));
        deliver(transport(), to(peer), message(CONTENT, "b@example.net", "c@example.net"));
        peer.awaitMessages(1, WAIT);
        var commands = peer.sessions().get(0).commands();
        var batch = commands.stream().filter(c -> c.line().startsWith("MAIL") || c.line().startsWith("RCPT")).toList();
        assertThat(batch).hasSize(3).allSatisfy(c -> assertThat(c.moreWaiting()).as(c.line()).isTrue());

        var plain = peer().extensions("8BITMIME").replyDelay(Duration.ofMillis(50));
        deliver(transport(), to(plain), message(CONTENT, "b@example.net", "c@example.net"));
        plain.awaitMessages(1, WAIT);
        assertThat(plain.sessions().get(0).commands()).noneMatch(ScriptedSmtpServer.Command::moreWaiting);
    }

    @Test
    void reusesOneConnectionForThreeMessagesAndQuitsOnClose() throws Exception {
        var peer = peer();
        SmtpTransport t = transport();
        for (int i = 0; i < 3; i++) {
            assertThat(deliver(t, to(peer), message(CONTENT, "b" + i + "@example.net")).get(0).kind()).isEqualTo(Kind.DELIVERED);
        }
        assertThat(peer.awaitMessages(3, WAIT)).hasSize(3);
        assertThat(peer.connections()).isEqualTo(1);
        assertThat(peer.sessions().get(0).lines()).filteredOn("RSET"::equals).hasSize(2);
        t.close();
        peer.awaitConnections(1, WAIT);
        assertThat(peer.sessions().get(0).lines()).endsWith("QUIT");
    }

    @Test
    void aKeptConnectionLostBeforeMailIsAnsweredIsReplacedAtOnce() throws Exception {
        var peer = peer();
        SmtpTransport t = transport();
        deliver(t, to(peer), message(CONTENT, "b@example.net"));
        peer.dropOnce(Step.MAIL);
        List<Outcome> out = deliver(t, to(peer), message(CONTENT, "c@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(peer.awaitMessages(2, WAIT)).hasSize(2);
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void anIdleConnectionIsClosedAfterItsTime() throws Exception {
        var peer = peer();
        SmtpTransport t = new SmtpTransport(HOSTNAME, new LiteralHopResolver(), CredentialSource.NONE,
                SmtpTimeouts.all(WAIT), Duration.ofMillis(200), 4);
        closing.add(t);
        deliver(t, to(peer), message(CONTENT, "b@example.net"));
        peer.awaitConnections(1, WAIT);
        assertThat(peer.sessions().get(0).lines()).endsWith("QUIT");
        deliver(t, to(peer), message(CONTENT, "c@example.net"));
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void fallsBackToHeloWhenEhloIsRefused() throws Exception {
        var peer = peer().extensions("SIZE 10", "SMTPUTF8").reply(Step.EHLO, "502 5.5.1 EHLO not implemented");
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(peer.sessions().get(0).lines()).startsWith("EHLO " + HOSTNAME, "HELO " + HOSTNAME, "MAIL FROM:<a@example.org>");
    }

    @Test
    void aMessageThatNeedsSmtputf8BouncesAtAServerWithoutIt() throws Exception {
        var peer = peer();
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "dörte@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.FAILED);
        assertThat(out.get(0).status()).isEqualTo("5.6.7");
        assertThat(out.get(0).text()).contains("SMTPUTF8 is required");
        assertThat(peer.sessions().get(0).lines()).noneMatch(l -> l.startsWith("MAIL"));

        var utf8 = peer().extensions("PIPELINING", "8BITMIME", "SMTPUTF8");
        out = deliver(transport(), to(utf8), message(CONTENT, "dörte@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DELIVERED);
        assertThat(utf8.awaitMessages(1, WAIT).get(0).mailFrom()).endsWith(" BODY=8BITMIME SMTPUTF8");
        assertThat(utf8.messages().get(0).recipients()).containsExactly("dörte@example.net");
    }

    @Test
    void aMessageLargerThanTheServersLimitFailsWith534() throws Exception {
        var peer = peer().extensions("SIZE 20");
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.FAILED);
        assertThat(out.get(0).status()).isEqualTo("5.3.4");
        assertThat(peer.sessions().get(0).lines()).noneMatch(l -> l.startsWith("MAIL"));
    }

    @Test
    void eightBitContentIsDeclared() throws Exception {
        var peer = peer();
        deliver(transport(), to(peer), message("Subject: x\r\n\r\nGr\u00fc\u00dfe\r\n", "b@example.net"));
        assertThat(peer.awaitMessages(1, WAIT).get(0).mailFrom()).isEqualTo("FROM:<a@example.org> BODY=8BITMIME");
        deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(peer.awaitMessages(2, WAIT).get(1).mailFrom()).isEqualTo("FROM:<a@example.org>");
    }

    @Test
    void dsnParametersArePassedOnToAServerThatOffersDsn() throws Exception {
        var peer = peer().extensions("PIPELINING", "DSN");
        var rcpts = List.of(
                new QueuedRecipient(0, "b@example.net", new RecipientDsn(Set.of(Notify.FAILURE, Notify.DELAY),
                        Optional.of("rfc822;B+x=y@example.net")), new RecipientState.Pending()),
                new QueuedRecipient(1, "c@example.net", new RecipientDsn(Set.of(Notify.NEVER), Optional.empty()),
                        new RecipientState.Pending()),
                new QueuedRecipient(2, "d@example.net", RecipientDsn.NONE, new RecipientState.Pending()));
        var m = message("a@example.org", new MessageDsn(Optional.of(Ret.HDRS), Optional.of("id 1+2")),
                ReceivedMessage.of(CONTENT.getBytes(StandardCharsets.US_ASCII)), rcpts);
        List<Outcome> out = deliver(transport(), to(peer), m);
        assertThat(out).allSatisfy(o -> assertThat(o.relayed()).isTrue());
        var got = peer.awaitMessages(1, WAIT).get(0);
        assertThat(got.mailFrom()).isEqualTo("FROM:<a@example.org> RET=HDRS ENVID=id+201+2B2");
        assertThat(got.rcptLines()).containsExactly("TO:<b@example.net> NOTIFY=FAILURE,DELAY ORCPT=rfc822;B+2Bx+3Dy@example.net",
                "TO:<c@example.net> NOTIFY=NEVER", "TO:<d@example.net>");

        var noDsn = peer();
        out = deliver(transport(), to(noDsn), m);
        assertThat(out).allSatisfy(o -> assertThat(o.relayed()).isFalse());
        assertThat(noDsn.awaitMessages(1, WAIT).get(0).rcptLines()).containsExactly("TO:<b@example.net>",
                "TO:<c@example.net>", "TO:<d@example.net>");
    }

    @Test
    void peerTextIsEscapedAndAHostileReplyDefers() throws Exception {
        var peer = peer().raw(Step.RCPT, "550 5.1.1 bad\u001b[2Juser\r\n");
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.FAILED);
        assertThat(out.get(0).text()).isEqualTo("bad\\x1b[2Juser");

        var hostile = peer().raw(Step.MAIL, "250-" + "x".repeat(100_000) + "\r\n");
        out = deliver(transport(), to(hostile), message(CONTENT, "b@example.net"));
        assertThat(out.get(0).kind()).isEqualTo(Kind.DEFERRED);
        assertThat(out.get(0).text()).contains("longer than");
    }

    @Test
    void anAddressWithALineBreakIsNeverSent() throws Exception {
        var peer = peer();
        List<Outcome> out = deliver(transport(), to(peer), message(CONTENT, "b@example.net>\r\nRCPT TO:<evil@example.net", "c@example.net"));
        assertThat(out).extracting(Outcome::kind).containsExactly(Kind.FAILED, Kind.DELIVERED);
        assertThat(out.get(0).status()).isEqualTo("5.1.3");
        assertThat(peer.awaitMessages(1, WAIT).get(0).recipients()).containsExactly("c@example.net");
        assertThat(peer.sessions().get(0).lines()).noneMatch(l -> l.contains("evil"));
    }

    @Test
    void a421AtRcptDefersTheRestAndTheConnectionIsNotKept() throws Exception {
        var peer = peer().extensions("8BITMIME").rcpt("c@example.net", "421 4.3.2 shutting down");
        SmtpTransport t = transport();
        List<Outcome> out = deliver(t, to(peer), message(CONTENT, "b@example.net", "c@example.net", "d@example.net"));
        assertThat(out).extracting(Outcome::kind).containsOnly(Kind.DEFERRED);
        assertThat(out.get(2).diagnostic()).isEqualTo("421 4.3.2 shutting down");
        peer.rcpt("c@example.net", "250 2.1.5 ok");
        deliver(t, to(peer), message(CONTENT, "b@example.net"));
        assertThat(peer.connections()).isEqualTo(2);
    }

    @Test
    void resolverAnswersAndFailuresBecomeOutcomesNeverExceptions() {
        var m = message(CONTENT, "b@example.net");
        HopResolver fail = d -> new HopResolver.Fail("5.1.10", "null MX");
        HopResolver temp = d -> new HopResolver.TempFail("4.4.3", "SERVFAIL");
        HopResolver broken = d -> { throw new IllegalStateException("boom\r\n"); };
        Map<HopResolver, Kind> expected = Map.of(fail, Kind.FAILED, temp, Kind.DEFERRED, broken, Kind.DEFERRED);
        expected.forEach((resolver, kind) -> {
            try (var t = new SmtpTransport(HOSTNAME, resolver, CredentialSource.NONE)) {
                assertThat(t.deliver(LiteralHopResolver.to("x", false, 1), m, m.recipients()).get(0).kind()).isEqualTo(kind);
            }
        });
        try (var t = new SmtpTransport(HOSTNAME, broken, CredentialSource.NONE)) {
            assertThat(t.deliver(LiteralHopResolver.to("x", false, 1), m, m.recipients()).get(0).text())
                    .contains("boom\\x0d\\x0a");
        }
    }

    @Test
    void anEmptyHostnameIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SmtpTransport("", new LiteralHopResolver(), CredentialSource.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
