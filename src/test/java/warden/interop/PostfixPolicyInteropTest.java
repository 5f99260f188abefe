package warden.interop;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.door.postfix.PolicyDoor;
import warden.testing.PostfixInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Postfix (a private instance on a loopback port) asks Warden's policy door with
 * {@code check_policy_service inet:127.0.0.1:PORT} in {@code smtpd_recipient_restrictions} and
 * {@code smtpd_data_restrictions}, as README's "Using Warden from Postfix" says; swaks is the SMTP
 * client. A forged HELO gets Postfix's 5xx with Warden's text, a new triplet a 4xx, the retry after
 * the greylist delay is delivered by Postfix with the PREPENDed {@code X-Greylist} header. Each case
 * is a row of the interop matrix ({@code target/interop-matrix.txt}).
 */
@Timeout(180)
class PostfixPolicyInteropTest {

    static final String MTA = "Postfix 3.7 + swaks";
    static final String DOOR = "postfix policy door (check_policy_service inet)";

    @TempDir
    Path dir;

    private PostfixInstance postfix(Object door) throws Exception {
        String policy = "check_policy_service " + (door instanceof InetSocketAddress a ? "inet:127.0.0.1:" + a.getPort() : "unix:" + door);
        return PostfixInstance.in(dir).mailbox("bob")
                .set("smtpd_recipient_restrictions", "reject_unauth_destination, " + policy)
                .set("smtpd_data_restrictions", policy)
                .start();
    }

    @Test
    void aDropBecomesPostfixs521AndTheClientIsDisconnected() throws Exception {
        try (PolicyDoor warden = new PolicyDoor(dir.resolve("warden"))) {
            warden.dns.a("1.0.0.127.bl.example", "127.0.0.2");
            warden.start("", "policy: {max_delay: 0s}\ndnsbl: {threshold: 1, lists: [bl.example]}\n");
            try (PostfixInstance postfix = postfix(warden.tcp())) {
                InteropMatrix.Row drop = InteropMatrix.row(MTA, DOOR, "client on a DNS blacklist (dnsbl-listed: drop)");
                String out = swaks(postfix.port(), "mail.sender.example");
                String reply = rcptReply(out);
                assertThat(reply).startsWith("521 5.7.1 <bob@example.test>: Recipient address rejected: Access denied - 127.0.0.1 is listed");
                // Postfix closed the connection after the 521: swaks could not send QUIT's reply... or DATA.
                assertThat(out).doesNotContain("~> DATA").doesNotContain("<~ 221").doesNotContain("<- 221");
                drop.passed(reply + " (then disconnected)");
            }
        }
    }

    @Test
    void reportModeOverAUnixSocketLetsEverythingThroughAndLogsTheVerdict() throws Exception {
        try (PolicyDoor warden = new PolicyDoor(dir.resolve("warden")).start("", "policy: {mode: report, max_delay: 0s}\n")) {
            try (PostfixInstance postfix = postfix(warden.unix())) {
                InteropMatrix.Row report = InteropMatrix.row(MTA, "postfix policy door (check_policy_service unix), policy.mode: report",
                        "forged HELO and a new triplet");
                String out = swaks(postfix.port(), "mx.warden.test");
                assertThat(rcptReply(out)).startsWith("250");
                assertThat(out).contains("exit=0");
                postfix.awaitDelivered("bob", 1, Duration.ofSeconds(30));
                String line = warden.logLine("report: postfix-policy [127.0.0.1] rcpt <alice@sender.example> -> <bob@example.test>:"
                        + " would answer REJECT 5.7.1 HELO \"mx.warden.test\" is our own host name");
                report.passed("250, delivered; Warden's log: " + line.substring(line.indexOf("report: ")));
            }
        }
    }

    @Test
    void answerGreylistIsAPostgreyReplacementAndBouncesAreGreylistedAtData() throws Exception {
        try (PolicyDoor warden = new PolicyDoor(dir.resolve("warden")).start(", answer: greylist", "policy: {max_delay: 0s}\n")) {
            try (PostfixInstance postfix = postfix(warden.tcp())) {
                String door = "postfix policy door (check_policy_service inet), answer: greylist";
                InteropMatrix.Row forged = InteropMatrix.row(MTA, door, "forged HELO: only greylisted");
                String reply = rcptReply(swaks(postfix.port(), "mx.warden.test"));
                assertThat(reply).startsWith("450 4.7.1 <bob@example.test>: Recipient address rejected: ");
                forged.passed(reply);

                InteropMatrix.Row bounce = InteropMatrix.row(MTA, door, "new bounce (null sender): deferred at DATA");
                String out = swaks(postfix.port(), "mail.sender.example", "<>");
                assertThat(rcptReply(out)).startsWith("250");
                String data = dataReply(out);
                assertThat(data).startsWith("450 4.7.1 <DATA>: Data command rejected: ");
                bounce.passed("250 at RCPT; " + data);
            }
        }
    }

    /** The server's reply to DATA in swaks' transcript. */
    private static String dataReply(String transcript) {
        List<String> lines = transcript.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).matches("\\s*[~-]> DATA\\s*")) {
                return lines.get(i + 1).replaceFirst("^\\s*<[*~-]+\\s*", "");
            }
        }
        return "(no DATA reply) " + transcript;
    }

    private static String swaks(int port, String helo) throws IOException, InterruptedException {
        return swaks(port, helo, "alice@sender.example");
    }

    private static String swaks(int port, String helo, String from) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(port),
                "--timeout", "60", "--helo", helo, "--from", from, "--to", "bob@example.test",
                "--header", "Subject: through the policy door"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }

    /** The server's reply to RCPT TO in swaks' transcript ({@code <~ } lines after {@code ~> RCPT}). */
    private static String rcptReply(String transcript) {
        List<String> lines = transcript.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("RCPT TO:")) {
                for (int j = i + 1; j < lines.size(); j++) {
                    if (lines.get(j).contains("<*") || lines.get(j).contains("<~") || lines.get(j).contains("<-")) {
                        return lines.get(j).replaceFirst("^\\s*<[*~-]+\\s*", "");
                    }
                }
            }
        }
        return "(no RCPT reply) " + transcript;
    }

    @Test
    void postfixRejectsAForgedHeloDefersANewTripletAndDeliversTheRetryWithXGreylist() throws Exception {
        try (PolicyDoor warden = new PolicyDoor(dir.resolve("warden")).start("", "policy: {max_delay: 0s}\ngreylist: {delay: 1m}\n")) {
            try (PostfixInstance postfix = postfix(warden.tcp())) {
                InteropMatrix.Row forged = InteropMatrix.row(MTA, DOOR, "forged HELO (our hostname) at RCPT");
                String out = swaks(postfix.port(), "mx.warden.test");
                String reply = rcptReply(out);
                assertThat(reply).startsWith("554 5.7.1 <bob@example.test>: Recipient address rejected: ");
                forged.passed(reply);

                InteropMatrix.Row grey = InteropMatrix.row(MTA, DOOR, "new triplet at RCPT");
                out = swaks(postfix.port(), "mail.sender.example");
                reply = rcptReply(out);
                assertThat(reply).startsWith("450 4.7.1 <bob@example.test>: Recipient address rejected: ")
                        .contains("is not yet authorized to deliver mail from <alice@sender.example> to <bob@example.test>");
                grey.passed(reply);

                InteropMatrix.Row retry = InteropMatrix.row(MTA, DOOR, "retry after the greylist delay; DATA adds X-Greylist");
                warden.clock.advance(Duration.ofSeconds(90));
                out = swaks(postfix.port(), "mail.sender.example");
                assertThat(rcptReply(out)).startsWith("250");
                assertThat(out).contains("exit=0");
                List<Path> mail = postfix.awaitDelivered("bob", 1, Duration.ofSeconds(30));
                String message = Files.readString(mail.getFirst(), StandardCharsets.ISO_8859_1);
                assertThat(message).contains("X-Greylist: delayed 90 seconds by Warden").contains("Subject: through the policy door");
                retry.passed("250 at RCPT; delivered with X-Greylist: delayed 90 seconds by Warden");
                assertThat(postfix.log()).doesNotContain("warning: problem talking to server");
            }
        }
    }
}
