package warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;
import warden.mail.Cidr;
import warden.testing.TestDnsServer;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden doctor}'s outbound side: the HELO name the queue uses, the source address it
 * would send from (found toward a loopback route, so the test does not depend on this machine's
 * network), that address's DNS and Warden's own checks on our greeting; DNS from the test server.
 */
@Timeout(60)
class DoctorOutboundTest {

    @TempDir
    Path dir;
    TestDnsServer dns;
    Path config;
    StringWriter out = new StringWriter();

    @BeforeEach
    void setUp() {
        dns = TestDnsServer.start();
        config = dir.resolve("warden.yaml");
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private void configure(String hostname, String extra) throws Exception {
        Files.writeString(config, """
                hostname: %s
                data_dir: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                """.formatted(hostname, dir.resolve("var"), dns.address().getPort()) + extra);
    }

    private JsonNode doctor(String... extra) throws Exception {
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        List<String> args = new ArrayList<>(List.of("doctor", "--config", config.toString(), "--json"));
        args.addAll(List.of(extra));
        cl.execute(args.toArray(String[]::new));
        return new ObjectMapper().readTree(out.toString());
    }

    private static JsonNode item(JsonNode json, String check) {
        for (JsonNode i : json.get("checks")) if (i.get("check").asText().equals(check)) return i;
        throw new AssertionError("no " + check + " in " + json.toPrettyString());
    }

    @Test
    void aRouteToAHostWhoseSourceAddressMatchesTheNamePassesEveryOutboundCheck() throws Exception {
        configure("mx.warden.test", "routes: {\"*\": \"[127.0.0.1]:2525\"}\n");
        dns.a("mx.warden.test", "127.0.0.1").ptr(Cidr.literal("127.0.0.1"), "mx.warden.test");
        JsonNode json = doctor();
        assertThat(json.get("outbound").get("helo_name").asText()).isEqualTo("mx.warden.test");
        assertThat(json.get("outbound").get("router").asText()).isEqualTo("route");
        assertThat(json.get("outbound").get("sources").get(0).asText()).isEqualTo("127.0.0.1");
        for (String check : List.of("outbound-helo-name", "outbound-route", "outbound-source", "outbound-forward-dns",
                "outbound-reverse-dns", "outbound-helo")) {
            assertThat(item(json, check).get("status").asText()).as(check + " in " + json.toPrettyString()).isEqualTo("ok");
        }
        assertThat(item(json, "outbound-route").get("detail").asText()).contains("[127.0.0.1]:2525 (R=route)");
        assertThat(item(json, "outbound-helo").get("detail").asText())
                .isEqualTo("EHLO mx.warden.test from 127.0.0.1 passes the client and HELO checks");
        assertThat(json.get("ok").asBoolean()).as(json.toPrettyString()).isTrue();
    }

    @Test
    void aSourceAddressWithoutPtrFailsWithTheFixAndWardensOwnChecksSayWhy() throws Exception {
        configure("mx.warden.test", "routes: {\"*\": \"[127.0.0.1]:2525\"}\n");
        dns.a("mx.warden.test", "192.0.2.25");
        JsonNode json = doctor();
        assertThat(json.get("ok").asBoolean()).isFalse();
        JsonNode reverse = item(json, "outbound-reverse-dns");
        assertThat(reverse.get("status").asText()).isEqualTo("fail");
        assertThat(reverse.get("fix").asText()).contains("set its PTR to mx.warden.test");
        JsonNode forward = item(json, "outbound-forward-dns");
        assertThat(forward.get("status").asText()).isEqualTo("fail");
        assertThat(forward.get("detail").asText()).contains("does not resolve to 127.0.0.1 (it resolves to 192.0.2.25)");
        JsonNode helo = item(json, "outbound-helo");
        assertThat(helo.get("status").asText()).isEqualTo("fail");
        assertThat(helo.get("detail").asText()).contains("client-no-ptr");
    }

    @Test
    void aSmarthostWithoutAnEntryInTheCredentialsFileIsNamed() throws Exception {
        Path creds = dir.resolve("passwd.client");
        Files.writeString(creds, "other.warden.test:bob:secret\n");
        configure("mx.warden.test", "smarthost: \"[relay.warden.test]:587\"\nsmarthost_credentials: " + creds + "\n");
        dns.a("relay.warden.test", "127.0.0.2");
        JsonNode json = doctor();
        JsonNode credentials = item(json, "outbound-credentials");
        assertThat(credentials.get("status").asText()).isEqualTo("fail");
        assertThat(credentials.get("fix").asText()).isEqualTo("add 'relay.warden.test:login:password' to " + creds);
        assertThat(item(json, "outbound-route").get("detail").asText())
                .contains("the smarthost [relay.warden.test]:587 (R=smarthost), first relay.warden.test [127.0.0.2]:587");
        assertThat(out.toString()).doesNotContain("secret");

        Files.writeString(creds, "relay.warden.test:bob:secret\n");
        out.getBuffer().setLength(0);
        assertThat(item(doctor(), "outbound-credentials").get("status").asText()).isEqualTo("ok");
        assertThat(out.toString()).doesNotContain("secret");
    }

    @Test
    void aHostnameThatIsNoFqdnIsTheFirstOutboundFailure() throws Exception {
        configure("vm", "routes: {\"*\": \"[127.0.0.1]:2525\"}\n");
        JsonNode json = doctor();
        JsonNode name = item(json, "outbound-helo-name");
        assertThat(name.get("status").asText()).isEqualTo("fail");
        assertThat(name.get("detail").asText()).contains("hostname 'vm' is not a fully qualified domain name");
        assertThat(name.get("fix").asText()).contains("set hostname:").contains("outbound: false");
    }

    @Test
    void withOutboundOffThereIsNothingToCheck() throws Exception {
        configure("mx.warden.test", "outbound: false\n");
        JsonNode json = doctor("--public-ip", "192.0.2.25");
        assertThat(item(json, "outbound").get("detail").asText()).contains("outbound: false");
        assertThat(json.get("outbound").get("enabled").asBoolean()).isFalse();
        for (JsonNode i : json.get("checks")) assertThat(i.get("check").asText()).doesNotStartWith("outbound-");
    }

    @Test
    void forMxDeliveryThePublicIpStandsForTheAddressReceiversSee() throws Exception {
        configure("mx.warden.test", "");
        dns.a("mx.warden.test", "192.0.2.25").ptr(Cidr.literal("192.0.2.25"), "mx.warden.test");
        JsonNode json = doctor("--public-ip", "192.0.2.25");
        assertThat(json.get("outbound").get("router").asText()).isEqualTo("dnslookup");
        assertThat(item(json, "outbound-route").get("detail").asText()).contains("their MX hosts (R=dnslookup)");
        // the IPv4 source is this machine's; what receivers see is the --public-ip, and its DNS matches
        assertThat(out.toString()).contains("receivers see 192.0.2.25 (--public-ip)");
        assertThat(item(json, "outbound-reverse-dns").get("detail").asText()).isEqualTo("192.0.2.25 has PTR mx.warden.test");
        assertThat(item(json, "outbound-helo").get("status").asText()).isEqualTo("ok");
    }

    @Test
    void theSourceAddressIsTheOneTheKernelPicksAndPrivateRangesAreKnown() {
        assertThat(OutboundCheckup.sourceToward(new InetSocketAddress(Cidr.literal("127.0.0.1"), 25)))
                .contains(Cidr.literal("127.0.0.1"));
        for (String a : List.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "fd00::2", "fe80::1", "127.0.0.1", "::1")) {
            assertThat(OutboundCheckup.global(Cidr.literal(a))).as(a).isFalse();
        }
        for (String a : List.of("192.0.2.25", "198.51.100.7", "2001:db8::25", "172.32.0.1")) {
            assertThat(OutboundCheckup.global(Cidr.literal(a))).as(a).isTrue();
        }
    }
}
