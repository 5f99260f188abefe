package warden.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The private Postfix the interop tests deliver to, checked with swaks as the client: it
 * delivers into its Maildir, logs the client's HELO and the TLS parameters, refuses unknown
 * users, and is gone (no master left) after {@code close()}.
 */
class PostfixInstanceTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void receivesInClearAndOverStartTlsLogsTheHeloAndStopsCleanly() throws Exception {
        long masterPid;
        try (PostfixInstance postfix = PostfixInstance.in(dir).mailbox("bob").starttls().start()) {
            postfix.awaitLog("daemon started");
            masterPid = Long.parseLong(Files.readString(dir.resolve("postfix/spool/pid/master.pid")).trim());

            String plain = swaks(postfix, "--helo", "client.warden.test", "--to", "bob@example.test", "--body", "plain body\n.dot line");
            assertThat(plain).contains("250 2.0.0 Ok: queued as").contains("exit=0");
            String tls = swaks(postfix, "--helo", "tls.warden.test", "--to", "bob@example.test", "--tls", "--body", "tls body");
            assertThat(tls).contains("220 2.0.0 Ready to start TLS").contains("exit=0");
            String refused = swaks(postfix, "--helo", "client.warden.test", "--to", "nobody@example.test");
            assertThat(refused).contains("550 5.1.1");

            List<Path> mail = postfix.awaitDelivered("bob", 2, Duration.ofSeconds(30));
            List<String> texts = new ArrayList<>();
            for (Path f : mail) texts.add(Files.readString(f, StandardCharsets.ISO_8859_1));
            assertThat(texts).anySatisfy(t -> assertThat(t).contains("Received: from client.warden.test").contains("\n\nplain body\n.dot line\n"))
                    .anySatisfy(t -> assertThat(t).contains("Received: from tls.warden.test").contains("using TLSv1."));
            postfix.awaitLine("helo=<client.warden.test>", "to=<bob@example.test>");
            postfix.awaitLine("TLS connection established from localhost[127.0.0.1]: TLSv1.");
            postfix.awaitLine("status=sent (delivered to maildir)");
            assertThat(postfix.queueEmpty()).isTrue();
        }
        assertThat(ProcessHandle.of(masterPid).map(ProcessHandle::isAlive).orElse(false))
                .as("postfix master %d after close", masterPid).isFalse();
    }

    private static String swaks(PostfixInstance postfix, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(postfix.port()),
                "--from", "alice@warden.test", "--timeout", "20"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }
}
