package warden.interop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.delivery.LocalStore;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.recipient.DomainRouter;
import warden.testing.TestSmtp;

import java.io.IOException;
import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Interop with a real SMTP client: swaks (installed by .ci/run) sends through Warden into real
 * Maildirs via the virtual-domain files, with and without PIPELINING.
 */
class SwaksInteropTest {

    @TempDir
    Path dir;
    TestSmtp smtp;
    MainLog log;

    @BeforeEach
    void start() throws IOException {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\nteam: bob@localhost, carol@localhost\n");
        log = MainLog.console(new PrintStream(new ByteArrayOutputStream()));
        LocalStore store = new LocalStore(dir.resolve("mail/{user}/Maildir").toString(), dir.resolve("spool"),
                "mx.warden.test", log);
        DomainRouter router = new DomainRouter("mx.warden.test", virtual, Set.of());
        smtp = new TestSmtp("relay_networks: []\n", PolicyEngine.permissive(), router, store, UnaryOperator.identity());
    }

    @AfterEach
    void stop() {
        smtp.close();
        log.close();
    }

    private Process swaks(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port",
                String.valueOf(smtp.address().getPort()), "--helo", "client.example.org"));
        cmd.addAll(List.of(args));
        try {
            return new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("swaks is not installed: run 'apt-get install swaks' (.ci/run does this)");
            throw e;
        }
    }

    private String run(String... args) throws Exception {
        Process p = swaks(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }

    private List<Path> newMail(String user) throws IOException {
        Path newDir = dir.resolve("mail/" + user + "/Maildir/new");
        if (!Files.isDirectory(newDir)) return List.of();
        try (Stream<Path> s = Files.list(newDir)) {
            return s.toList();
        }
    }

    @Test
    void swaksDeliversToTheVirtualUsersMaildirs() throws Exception {
        String out = run("--from", "alice@example.org", "--to", "team@example.test", "--header", "Subject: interop",
                "--body", "hello from swaks\n.leading dot");
        assertThat(out).contains("250 2.0.0 Ok: queued as").contains("exit=0");
        assertThat(newMail("bob")).hasSize(1);
        assertThat(newMail("carol")).hasSize(1);
        String stored = Files.readString(newMail("bob").get(0));
        assertThat(stored).startsWith("Return-path: <alice@example.org>")
                .contains("Envelope-to: team@example.test")
                .contains("Received: from client.example.org")
                .contains("Subject: interop")
                .contains("hello from swaks\n.leading dot");
    }

    @Test
    void swaksWithPipeliningGetsTheSameResult() throws Exception {
        String out = run("--pipeline", "--from", "alice@example.org", "--to", "bob@example.test,nobody@example.test",
                "--header", "Subject: piped");
        assertThat(out).contains("<** 550 5.1.1").contains("250 2.0.0 Ok: queued as");
        assertThat(newMail("bob")).hasSize(1);
    }

    @Test
    void swaksIsRefusedRelayingFromOutsideRelayNetworks() throws Exception {
        String out = run("--from", "alice@example.org", "--to", "someone@elsewhere.test");
        assertThat(out).contains("550 5.7.1").doesNotContain("queued as");
    }
}
