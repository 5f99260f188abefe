package warden.smtp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.delivery.LocalStore;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.testing.Dialogue;
import warden.testing.TestSmtp;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An IPv6 client is shown in RFC 5952 text ({@code 2001:db8::1}), not Java's long form
 * ({@code 2001:db8:0:0:0:0:0:1}), wherever a person or a log reader sees it: the main-log
 * {@code H=} prefix, the EHLO greeting and the Received header of the stored copy.
 */
class Ipv6ClientTextTest {

    @TempDir
    Path dir;
    TestSmtp smtp;

    @AfterEach
    void stop() {
        if (smtp != null) smtp.close();
    }

    private void start(String yaml) throws Exception {
        LocalStore store = new LocalStore(dir.resolve("mail/{user}/Maildir").toString(), dir.resolve("spool"),
                "mx.warden.test", MainLog.console(null));
        smtp = new TestSmtp(yaml, PolicyEngine.permissive(), TestSmtp.EXAMPLE_TEST, store, UnaryOperator.identity());
    }

    @Test
    void aClientNamedByAProxyIsShownInCanonicalText() throws Exception {
        start("trusted_proxies: [127.0.0.1]\nlisten: [{address: \"127.0.0.1:0\", proxy_protocol: true}]\n");
        try (Dialogue d = smtp.dialogue()) {
            d.raw("PROXY TCP6 2001:DB8:0:0:0:0:0:1 2001:db8::25 40000 25\r\n").expect(220)
                    .send("EHLO c.example.org").expect(250, "[2001:db8::1]");
            d.send("MAIL FROM:<alice@example.org>").expect(250).send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: v6\r\n\r\nhello\r\n.\r\n").expect(250);
        }
        assertThat(smtp.awaitLine(" <= ")).contains("H=(c.example.org) [2001:db8::1] ").doesNotContain("0:0:0");
        assertThat(onlyCopy("bob")).contains("Received: from c.example.org (unknown [IPv6:2001:db8::1])");
    }

    @Test
    void aClientOverIpv6LoopbackIsShownAsColonColonOne() throws Exception {
        start("listen: [\"[::1]:0\"]\n");
        try (Dialogue d = smtp.dialogue()) {
            d.expect(220).send("EHLO c.example.org").expect(250, "[::1]");
            d.send("MAIL FROM:<alice@example.org>").expect(250).send("RCPT TO:<bob@example.test>").expect(250)
                    .send("DATA").expect(354).raw("Subject: v6\r\n\r\nhello\r\n.\r\n").expect(250);
        }
        assertThat(smtp.awaitLine(" <= ")).contains(" (c.example.org) [::1] ").doesNotContain("0:0:0");
        assertThat(onlyCopy("bob")).contains(" [IPv6:::1])");
    }

    private String onlyCopy(String user) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("mail/" + user + "/Maildir/new"))) {
            List<Path> copies = files.toList();
            assertThat(copies).hasSize(1);
            return Files.readString(copies.get(0), StandardCharsets.ISO_8859_1);
        }
    }
}
