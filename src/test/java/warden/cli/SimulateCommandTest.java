package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.mail.Cidr;
import warden.testing.TestDnsServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code warden simulate IP}: a dialogue on stdin/stdout as if from IP, decisions on {@code >>>} lines, nothing delivered. */
class SimulateCommandTest {

    @TempDir
    Path dir;

    @Test
    void aScriptedDialogueShowsEachDecisionBeforeItsReplyAndDeliversNothing() throws Exception {
        String text = simulate("EHLO mail.sender.test\r\nMAIL FROM:<a@sender.test>\r\nRCPT TO:<nobody@example.test>\r\n"
                + "RCPT TO:<bob@example.test>\r\nDATA\r\nFrom: a@sender.test\r\nDate: Tue, 24 Nov 2026 12:00:00 +0000\r\n"
                + "Subject: s\r\n\r\nhi\r\n.\r\nQUIT\r\n");
        assertThat(text).contains(">>> client [192.0.2.10]: PTR mail.sender.test, forward-confirmed mail.sender.test")
                .contains("220 mx.warden.test ESMTP")
                .contains("550 5.1.1")
                .contains(">>> message accepted for [bob@example.test]")
                .contains("221 2.0.0");
        assertThat(text.indexOf(">>> rcpt: continue")).isLessThan(text.indexOf("250 2.1.5"));
        assertThat(text.indexOf(">>> helo")).isGreaterThan(text.indexOf("220 "));
        assertThat(dir.resolve("var/mail")).doesNotExist();
    }

    /** The same session as {@code serve}: DSN offered, the RFC 3461 parameters read and refused alike. */
    @Test
    void simulateReadsDsnParametersAsServeDoes() throws Exception {
        String text = simulate("EHLO mail.sender.test\r\nMAIL FROM:<a@sender.test> RET=HDRS ENVID=x+2By\r\n"
                + "RCPT TO:<bob@example.test> NOTIFY=NEVER,DELAY\r\n"
                + "RCPT TO:<bob@example.test> NOTIFY=SUCCESS ORCPT=rfc822;bob@example.test\r\nQUIT\r\n");
        assertThat(text).contains("250-DSN").contains("250 2.1.0")
                .contains("501 5.5.4 NOTIFY=NEVER cannot be combined with other values (RFC 3461 4.1)")
                .contains("250 2.1.5");
    }

    /** Runs {@code script} through {@code simulate} as from 192.0.2.10 (forward-confirmed); returns what it wrote. */
    private String simulate(String script) throws Exception {
        Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(dir.resolve("virtual/example.test"), "bob: bob@localhost\n");
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.ptr(Cidr.literal("192.0.2.10"), "mail.sender.test").a("mail.sender.test", "192.0.2.10");
            var config = ConfigLoader.parse("""
                    hostname: mx.warden.test
                    data_dir: %s
                    virtual_domains: %s
                    dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                    greylist: {enabled: false}
                    """.formatted(dir.resolve("var"), dir.resolve("virtual"), dns.address().getPort()), "sim.yaml");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = SimulateCommand.run(config, Cidr.literal("192.0.2.10"),
                    new ByteArrayInputStream(script.getBytes(StandardCharsets.US_ASCII)), new PrintStream(out, true));
            assertThat(rc).isZero();
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
