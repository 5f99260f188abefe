package warden.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import warden.Warden;
import warden.config.ConfigLoader;
import warden.testing.ScriptedSmtpServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden sendmail} against a real {@code serve} on a loopback port: the flags cron, mail(1),
 * PHP and git use, what lands in the Maildirs, and the sysexits when the server is down or refuses.
 * Most runs are in-process (the picocli command with its standard input replaced); two run the
 * real launcher class as a child process from another working directory, for the real exit status.
 */
@Timeout(60)
class SendmailCommandTest {

    @TempDir
    Path dir;
    Path config;
    int port;
    ServeCommand.Running running;
    final String user = System.getProperty("user.name");

    @BeforeEach
    void configure() throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\ncarol: carol@localhost\ndave: dave@localhost\n");
        config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                hostname: mx.warden.test
                listen: ["127.0.0.1:%d"]
                data_dir: %s
                virtual_domains: %s
                dns: {servers: ["127.0.0.1:9"], timeout: 1s, retries: 0}
                greylist: {enabled: false}
                """.formatted(port, dir.resolve("var"), virtual));
    }

    void serve() throws IOException {
        running = ServeCommand.start(ConfigLoader.load(config), new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void stop() {
        if (running != null) running.close();
    }

    private record Run(int rc, String err, String out) {}

    /** {@code warden sendmail --config <config> args...} in this JVM, with {@code input} on standard input. */
    private Run sendmail(String input, String... args) {
        CommandLine cl = Warden.commandLine();
        SendmailCommand command = cl.getSubcommands().get("sendmail").getCommand();
        command.stdin = new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        command.stdout = out;
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("sendmail", "--config", config.toString()));
        all.addAll(List.of(args));
        int rc = cl.execute(all.toArray(String[]::new));
        return new Run(rc, err.toString(), out.toString(StandardCharsets.UTF_8));
    }

    private List<String> mailbox(String user) throws IOException {
        Path dir = this.dir.resolve("var/mail/" + user + "/Maildir/new");
        if (!Files.isDirectory(dir)) return List.of();
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) out.add(Files.readString(p, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void recipientsAsArgumentsGetTheMessageWithDateMessageIdAndFromAdded() throws Exception {
        serve();
        Run r = sendmail("Subject: nightly backup\n\nall done\n", "bob@example.test", "carol");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> bob = mailbox("bob");
        assertThat(bob).hasSize(1);
        String m = bob.get(0);
        assertThat(m).contains("Return-path: <" + user + "@mx.warden.test>").contains("Subject: nightly backup")
                .contains("\nFrom: " + user + "@mx.warden.test").containsPattern("\nDate: \\w{3}, \\d{1,2} \\w{3} \\d{4} ")
                .containsPattern("\nMessage-ID: <\\d{14}\\.[0-9a-f]{16}@mx\\.warden\\.test>").contains("all done");
        // "carol" has no domain: qualified with our host name, as Postfix's append_at_myorigin
        assertThat(mailbox("carol")).hasSize(1);
    }

    @Test
    void dashTTakesToCcAndBccAndRemovesBcc() throws Exception {
        serve();
        String message = """
                From: Alice <alice@example.org>
                To: "Bob, the builder" <bob@example.test>,
                 undisclosed:;
                Cc: carol@example.test (Carol)
                Bcc: dave@example.test
                Subject: plans
                Date: Tue, 24 Nov 2026 12:00:00 +0000
                Message-ID: <given@example.org>

                see you
                """;
        Run r = sendmail(message, "-t", "-i", "-f", "alice@example.org");
        assertThat(r.rc()).as(r.err()).isZero();
        for (String who : List.of("bob", "carol", "dave")) {
            List<String> box = mailbox(who);
            assertThat(box).as(who).hasSize(1);
            assertThat(box.get(0)).doesNotContain("Bcc")
                    .contains("Return-path: <alice@example.org>").contains("From: Alice <alice@example.org>")
                    .contains("Message-ID: <given@example.org>").contains("see you");
            // what the message had is not added again
            assertThat(box.get(0).split("\nMessage-ID:", -1)).hasSize(2);
            assertThat(box.get(0).split("\nDate:", -1)).hasSize(2);
        }
        // the Bcc recipient is named only in its own copy's trace headers, never to the others
        assertThat(mailbox("bob").get(0)).doesNotContain("dave");
        assertThat(mailbox("carol").get(0)).doesNotContain("dave");
    }

    @Test
    void dashFAttachedAndFullNameMakeTheFromHeader() throws Exception {
        serve();
        Run r = sendmail("Subject: x\n\ny\n", "-falice@example.org", "-F", "Alice P. Liddell", "-oi", "-oem", "-odi", "bob@example.test");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(mailbox("bob").get(0)).contains("Return-path: <alice@example.org>")
                .contains("From: \"Alice P. Liddell\" <alice@example.org>");
    }

    @Test
    void withoutDashIALoneDotEndsTheMessageAndWithItDotsAreKept() throws Exception {
        serve();
        String text = "Subject: dots\n\nbefore\n..two\n.\nafter\n";
        assertThat(sendmail(text, "bob@example.test").rc()).isZero();
        assertThat(mailbox("bob").get(0)).contains("before\n..two\n").doesNotContain("after");
        assertThat(sendmail(text, "-i", "carol@example.test").rc()).isZero();
        assertThat(mailbox("carol").get(0)).contains("before\n..two\n.\nafter\n");
        assertThat(sendmail(text, "-oi", "--", "dave@example.test").rc()).isZero();
        assertThat(mailbox("dave").get(0)).contains("before\n..two\n.\nafter\n");
    }

    @Test
    void aRefusedRecipientIs67AndNobodyGetsTheMessage() throws Exception {
        serve();
        Run r = sendmail("Subject: x\n\ny\n", "bob@example.test", "nobody@example.test");
        assertThat(r.rc()).isEqualTo(67);
        assertThat(r.err()).contains("<nobody@example.test>: refused by 127.0.0.1:" + port + ": 550 5.1.1")
                .contains("not sent to anybody").doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.err().lines().allMatch(l -> l.startsWith("sendmail: "))).isTrue();
        assertThat(mailbox("bob")).isEmpty();
    }

    @Test
    void badCommandLinesAre64() throws Exception {
        assertThat(sendmail("x\n").rc()).isEqualTo(64);
        Run unknown = sendmail("x\n", "-k", "bob@example.test");
        assertThat(unknown.rc()).isEqualTo(64);
        assertThat(unknown.err()).contains("unknown option -k");
        assertThat(sendmail("x\n", "-f").rc()).isEqualTo(64);
        assertThat(sendmail("x\n", "bob@@example.test").rc()).isEqualTo(64);
        assertThat(sendmail("x\n", "-q").rc()).isEqualTo(64);
    }

    @Test
    void dashTWithoutRecipientsInTheHeadersIs65() throws Exception {
        serve();
        Run r = sendmail("Subject: to nobody\n\nbody\n", "-t");
        assertThat(r.rc()).isEqualTo(65);
        assertThat(r.err()).contains("no recipient");
    }

    @Test
    void dashBsIsAnSmtpDialogueWithTheServer() throws Exception {
        serve();
        Run r = sendmail("EHLO localhost\nMAIL FROM:<alice@example.org>\nRCPT TO:<bob@example.test>\nDATA\nSubject: bs\n\nhello\n.\nQUIT\n", "-bs");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("220 ").contains("\r\n354 ").contains("\r\n221 ");
        assertThat(mailbox("bob").get(0)).contains("Subject: bs").contains("hello");
    }

    @Test
    void serverDownIs75OneLineAndNothingLeftBehindThenTheRetryIsDelivered() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        String message = "Subject: cron\n\nOutput of a job\n";
        Child down = child(elsewhere, tmp, message, "-i", "-FCronDaemon", "-B8BITMIME", "-oem", "root");
        assertThat(down.rc()).isEqualTo(75);
        assertThat(down.err().lines().toList()).hasSize(1);
        assertThat(down.err()).startsWith("sendmail: cannot connect to the mail server at 127.0.0.1:" + port)
                .contains("not sent");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.toList()).as("temporary files left").isEmpty();
        }
        // the caller kept the message (cron, mail(1) do): once the server runs, the same call delivers it
        serve();
        Child up = child(elsewhere, tmp, message, "-i", "-FCronDaemon", "-B8BITMIME", "-oem", "root");
        assertThat(up.rc()).as(up.err()).isZero();
        List<String> root = mailbox("root");
        assertThat(root).hasSize(1);
        assertThat(root.get(0)).contains("From: CronDaemon <" + user + "@mx.warden.test>").contains("Output of a job");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void aPeersTemporaryRefusalIs75AndNothingIsSent() throws Exception {
        try (ScriptedSmtpServer peer = ScriptedSmtpServer.start().rcpt("bob@example.net", "451 4.7.1 try later")) {
            Run r = sendmail("Subject: x\n\ny\n", "--server", peer.hop().replace("[", "").replace("]", ""),
                    "carol@example.net", "bob@example.net");
            assertThat(r.rc()).isEqualTo(75);
            assertThat(r.err()).contains("<bob@example.net>: refused by").contains("451 4.7.1 try later")
                    .contains("try again later");
            assertThat(peer.messages()).isEmpty();
            assertThat(peer.sessions().get(0).lines()).contains("RSET");
        }
    }

    @Test
    void refusedContentIs65AndARefusedGreetingIs69() throws Exception {
        try (ScriptedSmtpServer peer = ScriptedSmtpServer.start().endOfData("554 5.6.0 content refused")) {
            Run r = sendmail("Subject: x\n\ny\n", "--server", peer.hop().replace("[", "").replace("]", ""), "bob@example.net");
            assertThat(r.rc()).isEqualTo(65);
            assertThat(r.err()).contains("refused the end of the message: 554 5.6.0 content refused");
        }
        try (ScriptedSmtpServer peer = ScriptedSmtpServer.start().banner("554 5.7.1 go away")) {
            Run r = sendmail("Subject: x\n\ny\n", "--server", peer.hop().replace("[", "").replace("]", ""), "bob@example.net");
            assertThat(r.rc()).isEqualTo(69);
        }
    }

    @Test
    void eightBitContentAndDsnOptionsReachMailAndRcpt() throws Exception {
        try (ScriptedSmtpServer peer = ScriptedSmtpServer.start().extensions("8BITMIME", "DSN", "ENHANCEDSTATUSCODES")) {
            Run r = sendmail("Subject: Grüße\n\nschön\n", "--server", peer.hop().replace("[", "").replace("]", ""),
                    "-f", "alice@example.org", "-N", "failure,delay", "-R", "hdrs", "-V", "id+1", "bob@example.net");
            assertThat(r.rc()).as(r.err()).isZero();
            List<String> lines = peer.sessions().get(0).lines();
            assertThat(lines).contains("EHLO mx.warden.test", "MAIL FROM:<alice@example.org> BODY=8BITMIME RET=HDRS ENVID=id+2B1",
                    "RCPT TO:<bob@example.net> NOTIFY=FAILURE,DELAY");
            assertThat(peer.messages().get(0).text()).contains("schön");
        }
    }

    private record Child(int rc, String err) {}

    /** {@code java warden.Warden sendmail --config ... args} in {@code cwd}, TMPDIR={@code tmp}, {@code input} on stdin. */
    private Child child(Path cwd, Path tmp, String input, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "warden.Warden", "sendmail", "--config", config.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().put("TMPDIR", tmp.toString());
        Path err = dir.resolve("child.err");
        pb.redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(p.waitFor(45, TimeUnit.SECONDS)).as("sendmail finished").isTrue();
        return new Child(p.exitValue(), Files.readString(err));
    }
}
