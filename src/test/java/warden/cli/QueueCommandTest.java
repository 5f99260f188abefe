package warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;
import warden.config.ConfigLoader;
import warden.testing.Dialogue;
import warden.testing.LogWait;
import warden.testing.ScriptedSmtpServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden queue ...} while {@code serve} runs, over real sockets: a relayed message is held
 * in the queue by a loopback peer that answers 451, and the commands list, show, freeze, thaw,
 * retry and remove it as the running queue manager sees them.
 */
@Timeout(90)
class QueueCommandTest {

    @TempDir
    Path dir;
    ScriptedSmtpServer peer;
    ServeCommand.Running running;
    Path config;

    @BeforeEach
    void start() throws IOException {
        peer = ScriptedSmtpServer.start().reply(ScriptedSmtpServer.Step.RCPT, "451 4.7.1 try later");
        config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                hostname: mx.warden.test
                listen: ["127.0.0.1:0"]
                data_dir: %s
                dns: {servers: ["127.0.0.1:9"], timeout: 1s, retries: 0}
                greylist: {enabled: false}
                routes: {"*": ["%s"]}
                queue: {retry_min: 1h, retry_max: 2h}
                """.formatted(dir.resolve("var"), peer.hop()));
        running = ServeCommand.start(ConfigLoader.load(config), new PrintStream(new ByteArrayOutputStream(), true));
    }

    @AfterEach
    void stop() {
        if (running != null) running.close();
        if (peer != null) peer.close();
    }

    private record Run(int rc, String out, String err) {}

    private Run queue(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("queue"));
        all.addAll(List.of(args));
        all.addAll(List.of("--config", config.toString()));
        return new Run(cl.execute(all.toArray(String[]::new)), out.toString(), err.toString());
    }

    private JsonNode list() throws IOException {
        Run r = queue("list", "--json");
        assertThat(r.rc()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    /** Relays one message for two remote recipients and waits until the peer's 451 deferred both. */
    private String queued() throws Exception {
        try (Dialogue d = Dialogue.connect(running.server().boundAddresses().get(0))) {
            d.inTransaction("alice@example.org", "far@remote.test").send("RCPT TO:<near@remote.test>").expect(250)
                    .send("DATA").expect(354)
                    .raw("From: alice@example.org\r\nSubject: held\r\n\r\nbody\r\n.\r\n").expect(250).send("QUIT").expect(221);
        }
        LogWait.until(() -> {
            try {
                return list().toString();
            } catch (IOException e) {
                return e.toString();
            }
        }, "\"state\":\"deferred\",\"attempts\":1", "near@remote.test\",\"state\":\"deferred\"");
        JsonNode all = list();
        assertThat(all).hasSize(1);
        return all.get(0).get("id").asText();
    }

    @Test
    void listShowsEachMessageAndItsRecipientsStatesAsEximDoes() throws Exception {
        String id = queued();
        JsonNode m = list().get(0);
        assertThat(m.get("sender").asText()).isEqualTo("alice@example.org");
        assertThat(m.get("size").asLong()).isPositive();
        assertThat(m.get("frozen").asBoolean()).isFalse();
        JsonNode far = m.get("recipients").get(0);
        assertThat(far.get("address").asText()).isEqualTo("far@remote.test");
        assertThat(far.get("last_reply").asText()).contains("451 4.7.1 try later");

        Run text = queue("list");
        assertThat(text.rc()).isZero();
        assertThat(text.out()).containsPattern("(?m)^ *\\d+s +[0-9.]+K? " + id + " <alice@example.org>$")
                .containsPattern("(?m)^ {12}far@remote\\.test  \\(deferred, 1 attempt, next in \\d+m\\d+s: .*451 4\\.7\\.1 try later.*\\)$")
                .contains("-- ").contains("in 1 message");
        // sendmail -bp is mailq
        var cl = Warden.commandLine();
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        ((SendmailCommand) cl.getSubcommands().get("sendmail").getCommand()).stdin = new ByteArrayInputStream(new byte[0]);
        assertThat(cl.execute("sendmail", "-bp", "--config", config.toString())).isZero();
        assertThat(out.toString()).contains(id + " <alice@example.org>");
    }

    @Test
    void showGivesTheEnvelopeTheStatesAndTheHeader() throws Exception {
        String id = queued();
        Run r = queue("show", id);
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains(id).contains("near@remote.test").contains("Subject: held").contains("Received: from")
                .doesNotContain("body");
        JsonNode json = new ObjectMapper().readTree(queue("show", "--json", id).out());
        assertThat(json.get("header").asText()).contains("Subject: held");
        assertThat(queue("show", "1zzzzz-nothere-000001").rc()).isEqualTo(1);
        assertThat(queue("show", "../../etc/passwd").rc()).isEqualTo(64);
    }

    @Test
    void freezeThawAndRetryReachTheRunningQueueManager() throws Exception {
        String id = queued();
        assertThat(queue("freeze", id).rc()).isZero();
        assertThat(queue("list").out()).contains(id + " <alice@example.org> *** frozen ***");
        assertThat(list().get(0).get("frozen").asBoolean()).isTrue();
        assertThat(queue("thaw", id).rc()).isZero();
        assertThat(list().get(0).get("frozen").asBoolean()).isFalse();

        Run retry = queue("retry", id);
        assertThat(retry.rc()).as(retry.err()).isZero();
        assertThat(retry.out()).contains(id + " will be tried now");
        // the manager, told through the spool, tries at once although retry_min is an hour
        LogWait.until(() -> {
            try {
                return list().toString();
            } catch (IOException e) {
                return e.toString();
            }
        }, "\"attempts\":2");
        Run all = queue("retry", "--all");
        assertThat(all.rc()).isZero();
        assertThat(all.out()).contains("1 message will be tried now");
        String mainlog = Files.readString(dir.resolve("var/log/mainlog"));
        assertThat(mainlog).contains(id + " frozen by admin").contains(id + " unfrozen by admin");
    }

    @Test
    void statsCountMessagesAndRecipients() throws Exception {
        queued();
        JsonNode s = new ObjectMapper().readTree(queue("stats", "--json").out());
        assertThat(s.get("messages").asLong()).isEqualTo(1);
        assertThat(s.get("recipients_deferred").asLong()).isEqualTo(2);
        assertThat(s.get("frozen").asLong()).isZero();
        assertThat(s.get("oldest_age_seconds").asLong()).isGreaterThanOrEqualTo(0);
        Run text = queue("stats");
        assertThat(text.out()).containsPattern("messages +1").containsPattern("deferred +2 recipients");
    }

    @Test
    void removeTakesTheMessageOutForGoodAndLogsIt() throws Exception {
        String id = queued();
        Run r = queue("remove", id);
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains(id + " removed");
        assertThat(list()).isEmpty();
        assertThat(queue("list").out()).contains("The queue is empty");
        assertThat(LogWait.until(() -> read(dir.resolve("var/log/mainlog")), id + " removed by admin")).contains(id + " Completed");
        Run again = queue("remove", id);
        assertThat(again.rc()).isEqualTo(1);
        assertThat(again.err()).contains(id + " is not in the queue");
    }

    @Test
    void badArgumentsAre64() {
        assertThat(queue("retry").rc()).isEqualTo(64);
        assertThat(queue("retry", "--all", "1abc-def-000001").rc()).isEqualTo(64);
        assertThat(queue("remove", "a/b").rc()).isEqualTo(64);
        assertThat(queue().rc()).isEqualTo(64);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }
}
