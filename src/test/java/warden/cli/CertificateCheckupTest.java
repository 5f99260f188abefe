package warden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;
import warden.config.ConfigException;
import warden.config.ConfigLoader;
import warden.testing.TestCa;
import warden.testing.TestCa.KeyEncoding;
import warden.testing.TestCa.KeyType;
import warden.testing.TestDnsServer;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The certificate part of {@code config check}, {@code serve} and {@code warden doctor}: PEM files
 * made by the test CA, read as the server reads them; each problem names the file and the fix.
 */
@Timeout(60)
class CertificateCheckupTest {

    @TempDir
    Path dir;
    TestDnsServer dns;
    Path config;
    final TestCa ca = TestCa.get();

    @BeforeEach
    void setUp() {
        dns = TestDnsServer.start();
        config = dir.resolve("warden.yaml");
    }

    @AfterEach
    void tearDown() {
        dns.close();
    }

    private void configure(String hostname, String tls) throws Exception {
        Files.writeString(config, """
                hostname: %s
                data_dir: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                """.formatted(hostname, dir.resolve("var"), dns.address().getPort()) + tls);
    }

    private record Run(int status, String out, String err) {}

    private Run warden(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    private static JsonNode item(JsonNode json, String check) {
        for (JsonNode i : json.get("checks")) if (i.get("check").asText().equals(check)) return i;
        throw new AssertionError("no " + check + " in " + json.toPrettyString());
    }

    private JsonNode doctor() throws Exception {
        return new ObjectMapper().readTree(warden("doctor", "--config", config.toString(), "--json").out());
    }

    @Test
    void configCheckAcceptsGoodFilesAndWarnsWhenFewDaysAreLeft() throws Exception {
        TestCa.PemPair files = ca.leaf(KeyType.EC, "mx.example.test").write(dir.resolve("live"), KeyEncoding.SEC1);
        configure("mx.example.test", files.yaml());
        Run ok = warden("config", "check", config.toString());
        assertThat(ok.status()).as(ok.err()).isZero();
        assertThat(ok.out()).contains(": OK").doesNotContain("warning");

        Instant now = Instant.now();
        TestCa.PemPair soon = ca.leaf(KeyType.RSA, now.minus(Duration.ofDays(80)), now.plus(Duration.ofDays(5)).plusSeconds(3600),
                "mx.example.test").write(dir.resolve("soon"), KeyEncoding.PKCS1);
        configure("mx.example.test", soon.yaml());
        Run warned = warden("config", "check", config.toString());
        assertThat(warned.status()).isZero();
        assertThat(warned.out()).contains("warning: tls.certificate: " + soon.certificate() + " expires in 5 days (")
                .contains("certbot renew");
    }

    @Test
    void configCheckNamesTheFileAndTheFixForEachProblem() throws Exception {
        TestCa.PemPair good = ca.leaf(KeyType.EC, "mx.example.test").write(dir.resolve("good"));

        // a missing key file
        Path missing = dir.resolve("nowhere/privkey.pem");
        configure("mx.example.test", "tls:\n  certificate: " + good.certificate() + "\n  key: " + missing + "\n");
        Run r = warden("config", "check", config.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(config + ":4: tls.key: " + missing + ": does not exist (fix: correct tls.key");

        // a certificate file that is not PEM
        Path garbage = dir.resolve("garbage.pem");
        Files.write(garbage, new byte[] {0x30, (byte) 0x82, 0x01, 0x0a, 0x02, 0x01});
        configure("mx.example.test", "tls:\n  certificate: " + garbage + "\n  key: " + good.key() + "\n");
        r = warden("config", "check", config.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("tls.certificate: " + garbage + ": ").contains("fix: point tls.certificate at");

        // certificate and key swapped
        configure("mx.example.test", "tls:\n  certificate: " + good.key() + "\n  key: " + good.certificate() + "\n");
        r = warden("config", "check", config.toString());
        assertThat(r.err()).contains("holds a private key, not a certificate (fix: swap tls.certificate and tls.key");

        // a key of another certificate, in the second pair
        TestCa.PemPair other = ca.leaf(KeyType.RSA, "smtp.example.test").write(dir.resolve("other"), KeyEncoding.PKCS1);
        configure("mx.example.test", "tls:\n  certificate: " + good.certificate() + "\n  key: " + good.key()
                + "\n  certificates:\n    - {certificate: " + other.certificate() + ", key: " + good.key() + "}\n");
        r = warden("config", "check", config.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("1 problem:").contains("tls.certificates: " + good.key()
                + ": this private key does not belong to the certificate in " + other.certificate());

        // an expired certificate
        TestCa.PemPair old = ca.expired(KeyType.EC, "mx.example.test").write(dir.resolve("old"));
        configure("mx.example.test", old.yaml());
        r = warden("config", "check", config.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("tls.certificate: " + old.certificate() + ": the certificate for [mx.example.test] expired on ")
                .contains("(fix: renew it (certbot renew)");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void serveRefusesToStartOnAnExpiredCertificate() throws Exception {
        TestCa.PemPair old = ca.expired(KeyType.RSA, "mx.example.test").write(dir.resolve("old"));
        configure("mx.example.test", "listen: [\"127.0.0.1:0\"]\n" + old.yaml());
        var c = ConfigLoader.load(config);
        assertThatThrownBy(() -> ServeCommand.start(c, new PrintStream(java.io.OutputStream.nullOutputStream())))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
                        .contains("tls.certificate: " + old.certificate() + ": the certificate for [mx.example.test] expired on "));
    }

    @Test
    void doctorReportsDaysLeftNameChainAndKey() throws Exception {
        TestCa.PemPair files = ca.leaf(KeyType.EC, "mx.example.test").write(dir.resolve("live"), KeyEncoding.SEC1_WITH_PARAMETERS);
        configure("mx.example.test", files.yaml());
        JsonNode json = doctor();
        assertThat(item(json, "tls-certificate").get("status").asText()).isEqualTo("ok");
        assertThat(item(json, "tls-certificate").get("detail").asText())
                .isEqualTo(files.certificate() + ": [mx.example.test], 2 certificates");
        assertThat(item(json, "tls-key").get("status").asText()).isEqualTo("ok");
        assertThat(item(json, "tls-key").get("detail").asText()).isEqualTo(files.key() + ": the EC key of the certificate");
        assertThat(item(json, "tls-expiry").get("status").asText()).isEqualTo("ok");
        assertThat(item(json, "tls-expiry").get("detail").asText()).matches(".*: 8[78] days left \\(until \\d{4}-\\d\\d-\\d\\d\\)");
        assertThat(item(json, "tls-name").get("status").asText()).isEqualTo("ok");
        assertThat(item(json, "tls-chain").get("status").asText()).isEqualTo("ok");
        assertThat(item(json, "tls-chain").get("detail").asText()).contains("complete, mx.example.test -> Warden Test Intermediate E1")
                .contains("not in the JDK's trust store: a private CA");
    }

    @Test
    void doctorWarnsOfFewDaysAndFailsAWrongNameAnIncompleteChainAndAForeignKey() throws Exception {
        Instant now = Instant.now();
        TestCa.Leaf leaf = ca.leaf(KeyType.RSA, now.minus(Duration.ofDays(80)), now.plus(Duration.ofDays(10)).plusSeconds(3600),
                "*.example.org");
        // cert.pem instead of fullchain.pem: the leaf alone
        TestCa.PemPair files = new TestCa.Leaf(leaf.certificate(), leaf.key(), List.of(leaf.certificate())).write(dir.resolve("live"));
        configure("mx.example.test", files.yaml());
        JsonNode json = doctor();
        assertThat(item(json, "tls-expiry").get("status").asText()).isEqualTo("warn");
        assertThat(item(json, "tls-expiry").get("detail").asText()).contains(": 10 days left (until ");
        assertThat(item(json, "tls-chain").get("status").asText()).isEqualTo("fail");
        assertThat(item(json, "tls-chain").get("detail").asText()).contains("incomplete: the issuer of the certificate (").contains("CN=Warden Test Intermediate E1");
        assertThat(item(json, "tls-chain").get("fix").asText()).contains("fullchain.pem, not cert.pem");
        assertThat(item(json, "tls-name").get("status").asText()).isEqualTo("fail");
        assertThat(item(json, "tls-name").get("detail").asText()).isEqualTo("mx.example.test is not among the names of the certificate"
                + " [*.example.org]; clients that verify the name refuse it");
        assertThat(json.get("ok").asBoolean()).isFalse();

        // a wildcard matches the hostname; a key that is not the certificate's fails
        ca.leaf(KeyType.RSA, "x.example.org").writeKey(files.key(), KeyEncoding.PKCS8);
        configure("smtp.example.org", files.yaml());
        json = doctor();
        assertThat(item(json, "tls-name").get("status").asText()).isEqualTo("ok");
        assertThat(item(json, "tls-key").get("status").asText()).isEqualTo("fail");
        assertThat(item(json, "tls-key").get("detail").asText()).contains("this private key does not belong to the certificate in " + files.certificate());

        // the text output, as the other doctor checks
        Run text = warden("doctor", "--config", config.toString());
        assertThat(text.out()).contains("  WARN   tls-expiry         " + files.certificate() + ": 10 days left")
                .contains("  FAIL   tls-key            ").contains("         fix: point the key at the privkey.pem");
    }

    @Test
    void doctorSaysSelfSigned() throws Exception {
        TestCa.PemPair files = TestCa.selfSigned(KeyType.EC, "mx.example.test").write(dir.resolve("live"));
        configure("mx.example.test", files.yaml());
        JsonNode json = doctor();
        assertThat(item(json, "tls-chain").get("status").asText()).isEqualTo("warn");
        assertThat(item(json, "tls-chain").get("detail").asText()).contains("self-signed");
    }

    @Test
    void doctorWithoutTlsHasNoCertificateItems() throws Exception {
        configure("mx.example.test", "");
        JsonNode json = doctor();
        for (JsonNode i : json.get("checks")) assertThat(i.get("check").asText()).doesNotStartWith("tls-");
    }
}
