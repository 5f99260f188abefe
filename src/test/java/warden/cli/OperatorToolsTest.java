package warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;
import warden.mail.Cidr;
import warden.testing.TestDnsServer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** check-helo and doctor through the CLI, with DNS answered by the loopback test server. */
class OperatorToolsTest {

    @TempDir
    Path dir;
    TestDnsServer dns;
    Path config;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws Exception {
        dns = TestDnsServer.start();
        config = dir.resolve("warden.yaml");
        Files.writeString(config, """
                hostname: mail.warden.test
                data_dir: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                """.formatted(dir.resolve("var"), dns.address().getPort()));
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private int run(String... args) {
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void checkHeloPassesAWellConfiguredSender() throws Exception {
        dns.a("mx.sender.test", "192.0.2.10").ptr(Cidr.literal("192.0.2.10"), "mx.sender.test");
        int rc = run("check-helo", "--config", config.toString(), "--client-ip", "192.0.2.10", "--json", "mx.sender.test");
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(rc).isZero();
        assertThat(json.get("verdict").asText()).isEqualTo("pass");
        assertThat(json.get("findings")).isNotEmpty();
        for (JsonNode f : json.get("findings")) {
            assertThat(f.has("check") && f.has("action") && f.has("reason")).isTrue();
        }
    }

    @Test
    void checkHeloDeniesABareIpAndNamesTheCheck() {
        dns.ptr(Cidr.literal("192.0.2.66"), "dyn-192-0-2-66.isp.test").a("dyn-192-0-2-66.isp.test", "192.0.2.66");
        int rc = run("check-helo", "--config", config.toString(), "--client-ip", "192.0.2.66", "192.0.2.66");
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString()).contains("verdict: deny").contains("helo-bare-ip").contains("550 5.7.1");
    }

    @Test
    void checkHeloDelaysANameThatDoesNotVerify() throws Exception {
        dns.a("other.sender.test", "198.51.100.1");
        int rc = run("check-helo", "--config", config.toString(), "--client-ip", "192.0.2.20", "--json", "other.sender.test");
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(rc).isZero();
        assertThat(json.get("verdict").asText()).isEqualTo("delay");
        assertThat(json.get("delay_seconds").asInt()).isPositive();
    }

    @Test
    void checkHeloNeverDeniesOnADnsTimeout() throws Exception {
        dns.timeout("slow.sender.test").timeout("30.2.0.192.in-addr.arpa");
        int rc = run("check-helo", "--config", config.toString(), "--client-ip", "192.0.2.30", "--json", "slow.sender.test");
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("verdict").asText()).isIn("pass", "delay", "defer");
        assertThat(rc).isIn(0, 1);
    }

    @Test
    void checkHeloRejectsAnAddressThatIsNotAnIp() {
        int rc = run("check-helo", "--config", config.toString(), "--client-ip", "not-an-ip", "x.example");
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("not an IP address").doesNotContain("Exception");
    }

    @Test
    void doctorPassesWhenForwardReverseAndHeloMatchAndNoListHasUs() throws Exception {
        dns.a("mail.warden.test", "192.0.2.25").ptr(Cidr.literal("192.0.2.25"), "mail.warden.test");
        // --public-ip: the address receivers see, whatever this test machine's own source address is
        int rc = run("doctor", "--config", config.toString(), "--public-ip", "192.0.2.25", "--json");
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("ok").asBoolean()).as(out.toString()).isTrue();
        assertThat(rc).isZero();
    }

    @Test
    void doctorNamesEachFailureWithItsFix() {
        dns.a("mail.warden.test", "192.0.2.25").ptr(Cidr.literal("192.0.2.25"), "host-25.provider.test")
                .a("25.2.0.192.zen.spamhaus.org", "127.0.0.4").txt("25.2.0.192.zen.spamhaus.org", "https://check.spamhaus.org/query/ip/192.0.2.25")
                .a("25.2.0.192.bl.spamcop.net", "127.255.255.254");
        int rc = run("doctor", "--config", config.toString(), "--public-ip", "192.0.2.25");
        String text = out.toString();
        assertThat(rc).isEqualTo(1);
        assertThat(text).contains("FAIL   reverse-dns").contains("fix: set the PTR of 192.0.2.25 to mail.warden.test")
                .contains("FAIL   blacklist          192.0.2.25 is listed by zen.spamhaus.org (127.0.0.4): https://check.spamhaus.org")
                .contains("UNSURE blacklist          bl.spamcop.net refused the query");
    }

    @Test
    void doctorAlsoAsksTheConfiguredBlacklists() throws Exception {
        Files.writeString(config, Files.readString(config) + "dnsbl:\n  lists: [bl.local.test]\n");
        dns.a("mail.warden.test", "192.0.2.25").ptr(Cidr.literal("192.0.2.25"), "mail.warden.test")
                .a("25.2.0.192.bl.local.test", "127.0.0.2");
        int rc = run("doctor", "--config", config.toString());
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString()).contains("192.0.2.25 is listed by bl.local.test");
    }

    @Test
    void doctorFlagsABogusHostname() throws Exception {
        Files.writeString(config, Files.readString(config).replace("mail.warden.test", "localhost.localdomain"));
        int rc = run("doctor", "--config", config.toString(), "--public-ip", "192.0.2.25");
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString()).contains("FAIL   hostname").contains("treat as bogus").contains("fix: set 'hostname:'");
    }
}
