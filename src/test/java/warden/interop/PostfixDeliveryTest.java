package warden.interop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.cli.ServeCommand;
import warden.config.ConfigLoader;
import warden.testing.LogWait;
import warden.testing.PostfixInstance;
import warden.testing.SpoolWait;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Warden's outbound half against a real receiver: {@code warden serve} (in this JVM, from a YAML
 * file) takes a message from swaks and relays it, by a {@code routes:} entry, to a private real
 * Postfix ({@link PostfixInstance}) on loopback, in clear and over STARTTLS.
 *
 * <p>What is checked on both sides: the body arrives in Postfix's Maildir byte for byte (dot
 * lines, a long line, 8-bit text); Postfix logged our HELO as the configured FQDN (seeds 000/001:
 * {@code helo=<mx.warden.test>}) and, with STARTTLS, the TLS version and cipher; Warden's main
 * log has the {@code =>} line with {@code C="250 ..."} naming the queue id Postfix gave the
 * message (and {@code X=TLS...} when encrypted, none when not), then {@code Completed}; and
 * Warden's queue is empty afterwards.
 *
 * <p>Standards: RFC 5321 4.1.1.1 (EHLO with the client's FQDN), 4.5.2 (transparency), 6.1
 * (delivered once); RFC 3207 (STARTTLS); RFC 6152 (8BITMIME).
 */
class PostfixDeliveryTest {

    private static final String HOSTNAME = "mx.warden.test";
    private static final Pattern QUEUED_AS = Pattern.compile("C=\"250 2\\.0\\.0 Ok: queued as ([0-9A-Za-z]+)\"");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void relaysInClearToARealPostfix() throws Exception {
        try (PostfixInstance postfix = PostfixInstance.in(dir).mailbox("bob").start()) {
            String delivery = relayOneMessage(postfix);
            assertThat(delivery).doesNotContain(" X=");
            assertThat(postfix.log()).doesNotContain("TLS connection established");
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void relaysOverStartTlsToARealPostfix() throws Exception {
        try (PostfixInstance postfix = PostfixInstance.in(dir).mailbox("bob").starttls().start()) {
            String delivery = relayOneMessage(postfix);
            String tls = postfix.awaitLine("TLS connection established from localhost[127.0.0.1]: TLSv1.");
            Matcher cipher = Pattern.compile("(TLSv1\\.[23]) with cipher (\\S+)").matcher(tls);
            assertThat(cipher.find()).as(tls).isTrue();
            assertThat(delivery).contains(" X=TLS1." + cipher.group(1).substring("TLSv1.".length()) + ":" + cipher.group(2));
        }
    }

    /**
     * Sends one message with swaks to Warden for bob@example.test, which Warden routes to
     * {@code postfix}; checks everything both sides say about it and returns Warden's {@code =>} line.
     */
    private String relayOneMessage(PostfixInstance postfix) throws Exception {
        byte[] body = body();
        Path message = dir.resolve("message.eml");
        Files.write(message, concat(("From: Alice <alice@warden.test>\nTo: bob@example.test\n"
                + "Subject: interop with Postfix\nMessage-ID: <interop-1@warden.test>\n"
                + "Date: Wed, 02 Dec 2026 12:00:00 +0000\nMIME-Version: 1.0\n"
                + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
                .getBytes(StandardCharsets.UTF_8), Arrays.copyOf(body, body.length - 1)));
        // ...without its last LF: swaks ends the data with CRLF "." CRLF and, when the file ends
        // with a line end already, sends an empty line before it (a byte more than the body).
        try (TestDnsServer dns = TestDnsServer.start()) {
            Path virtual = Files.createDirectories(dir.resolve("virtual"));
            Files.writeString(virtual.resolve("warden.test"), "alice: alice@localhost\n");
            Path data = dir.resolve("var");
            Path yaml = Files.writeString(dir.resolve("warden.yaml"), """
                    hostname: %s
                    listen: ["127.0.0.1:0"]
                    relay_networks: ["127.0.0.0/8"]
                    data_dir: %s
                    virtual_domains: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                    greylist: {enabled: false}
                    routes:
                      %s: ["%s"]
                    """.formatted(HOSTNAME, data, virtual, dns.address().getPort(), postfix.domain(), postfix.nextHop()));
            Path mainlog = data.resolve("log").resolve("mainlog");
            try (ServeCommand.Running warden = ServeCommand.start(ConfigLoader.load(yaml),
                    new PrintStream(new ByteArrayOutputStream(), true))) {
                int port = warden.server().boundAddresses().get(0).getPort();
                String out = swaks(port, "--helo", "client.warden.test", "--from", "alice@warden.test",
                        "--to", "bob@example.test", "--data", "@" + message);
                assertThat(out).contains("<-  250 2.0.0 Ok: queued as ").contains("exit=0");

                List<Path> delivered = postfix.awaitDelivered("bob", 1, Duration.ofSeconds(60));
                assertThat(delivered).hasSize(1);
                byte[] stored = Files.readAllBytes(delivered.get(0));
                assertSameBytes(bodyOf(stored), body);
                String storedText = new String(stored, StandardCharsets.UTF_8);
                assertThat(storedText).contains("Received: from " + HOSTNAME + " (localhost [127.0.0.1])")
                        .contains("Message-ID: <interop-1@warden.test>");

                postfix.awaitLine("helo=<" + HOSTNAME + ">", "to=<bob@example.test>");
                String delivery = LogWait.line(() -> read(mainlog), " => bob@example.test");
                Matcher queuedAs = QUEUED_AS.matcher(delivery);
                assertThat(queuedAs.find()).as("C=\"250 ...\" in %s", delivery).isTrue();
                postfix.awaitLine(queuedAs.group(1) + ": client=localhost[127.0.0.1]");
                postfix.awaitLine(queuedAs.group(1) + ": to=<bob@example.test>", "status=sent");
                String id = delivery.split(" ")[2];
                LogWait.line(() -> read(mainlog), id + " Completed");
                SpoolWait.awaitEmptyQueue(data, LogWait.DEADLINE);
                assertThat(read(mainlog)).doesNotContain(" == ").doesNotContain(" ** ");
                assertThat(postfix.queueEmpty()).isTrue();
                System.out.println("warden: " + delivery + "\npostfix: " + postfix.awaitLine("helo=<" + HOSTNAME + ">"));
                return delivery;
            }
        }
    }

    /**
     * A body that needs care: lines that are only a dot or start with one (RFC 5321 4.5.2), a
     * "From " line, a line of 990 octets, UTF-8 text (8BITMIME), and about 150 KiB in all.
     */
    private static byte[] body() {
        StringBuilder b = new StringBuilder();
        b.append("Hello Bob,\n.\n..two dots\n. one dot and a space\nFrom the start of a line\n");
        b.append("Grüße, café, ünïcödé\n");
        b.append("x".repeat(990)).append('\n');
        for (int i = 0; b.length() < 150 * 1024; i++) {
            b.append(i % 50 == 0 ? "." : "").append("line ").append(i).append(" of the interop body\n");
        }
        b.append("-- \nAlice\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Byte for byte, saying where the first difference is (the bodies are too long for a plain diff). */
    private static void assertSameBytes(byte[] got, byte[] sent) {
        int n = Math.min(got.length, sent.length);
        int i = 0;
        while (i < n && got[i] == sent[i]) i++;
        if (i == n && got.length == sent.length) return;
        int from = Math.max(0, i - 80);
        throw new AssertionError("the body Postfix stored differs from the one sent at byte " + i + " (stored "
                + got.length + " bytes, sent " + sent.length + "); stored: ["
                + new String(got, from, Math.min(got.length, i + 80) - from, StandardCharsets.UTF_8) + "] sent: ["
                + new String(sent, from, Math.min(sent.length, i + 80) - from, StandardCharsets.UTF_8) + "]");
    }

    /** The bytes after the header's blank line. */
    private static byte[] bodyOf(byte[] file) {
        for (int i = 0; i + 1 < file.length; i++) {
            if (file[i] == '\n' && file[i + 1] == '\n') return Arrays.copyOfRange(file, i + 2, file.length);
        }
        throw new AssertionError("no blank line after the header in:\n" + new String(file, StandardCharsets.UTF_8));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String swaks(int port, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port),
                "--timeout", "30"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }
}
