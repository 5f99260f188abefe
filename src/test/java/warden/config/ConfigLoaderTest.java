package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.Warden;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The YAML configuration: defaults, every documented key, and errors that name file, line and fix. */
class ConfigLoaderTest {

    @Test
    void anEmptyFileGivesTheBuiltInDefaults() {
        WardenConfig c = ConfigLoader.parse("", "empty.yaml");
        assertThat(c.listen()).singleElement().hasToString("127.0.0.1:2525");
        assertThat(c.dataDir()).isEqualTo(Path.of("var"));
        assertThat(c.mailbox()).isEqualTo(Path.of("var/mail/{user}/Maildir").toString());
        assertThat(c.virtualDomains()).isEqualTo(Path.of("var/virtual"));
        assertThat(c.relayNetworks()).hasToString("[127.0.0.1/32, ::1/128]");
        assertThat(c.limits().commandTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.limits().messageSize()).isEqualTo(25L << 20);
        assertThat(c.dns().servers()).isEmpty();
    }

    @Test
    void everyDocumentedKeyIsRead() {
        WardenConfig c = ConfigLoader.parse("""
                hostname: MX.Example.ORG.
                listen:
                  - "0.0.0.0:25"
                  - {address: "[::1]:10025", proxy_protocol: true}
                trusted_proxies: [10.0.0.0/8]
                data_dir: /srv/warden
                virtual_domains: /etc/mail/virtual
                local_domains: [example.net]
                relay_networks: [192.0.2.0/24]
                mailbox: /var/vmail/{user}
                bare_line_endings: normalize
                limits: {message_size: 10M, max_recipients: 5, command_timeout: 10m, data_timeout: 45s}
                dns: {servers: ["127.0.0.1:5353", "2001:db8::53"], timeout: 2s, retries: 1}
                """, "full.yaml");
        assertThat(c.hostname()).isEqualTo("mx.example.org");
        assertThat(c.listen()).hasSize(2);
        assertThat(c.listen().get(1).proxyProtocol()).isTrue();
        assertThat(c.listen().get(1).address().getPort()).isEqualTo(10025);
        assertThat(c.localDomains()).containsExactly("example.net");
        assertThat(c.mailbox()).isEqualTo("/var/vmail/{user}");
        assertThat(c.bareLineEndings()).isEqualTo(WardenConfig.BareLineEndings.NORMALIZE);
        assertThat(c.limits().messageSize()).isEqualTo(10L << 20);
        assertThat(c.limits().dataTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(c.dns().servers()).extracting(a -> a.getPort()).containsExactly(5353, 53);
        assertThat(c.virtualDomains()).isEqualTo(Path.of("/etc/mail/virtual"));
    }

    @ParameterizedTest(name = "{0} -> line {1}")
    @CsvSource(delimiter = '|', value = {
            "hostnme: mx.example.org|1|did you mean 'hostname'",
            "limits:\\n  max_recipents: 5|2|did you mean 'limits.max_recipients'",
            "limits: {command_timeout: soon}|1|a duration such as 45s",
            "listen: [\"127.0.0.1\"]|1|has no port",
            "relay_networks: [10.0.0.0/33]|1|prefix length",
            "mailbox: /var/mail/%u|1|{user}",
            "bare_line_endings: maybe|1|reject, normalize",
            "hostname: [a, b]|1|must be a fully qualified host name",
            "data_dir: var\\ndata_dir: other|2|appears twice",
            "listen:\\n  - {address: \"127.0.0.1:25\", proxy: true}|2|did you mean",
            "limits: {max_recipients: 0}|1|out of range",
            "dns: {servers: [\"dns.example.org\"]}|1|not an IP address",
            "key: [unclosed|1|YAML syntax error",
    })
    void errorsNameTheFileTheLineAndTheFix(String yaml, int line, String fix) {
        assertThatThrownBy(() -> ConfigLoader.parse(yaml.replace("\\n", "\n"), "warden.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("warden.yaml:" + line + ":")
                .hasMessageContaining(fix);
    }

    @Test
    void allProblemsAreReportedAtOnce() {
        assertThatThrownBy(() -> ConfigLoader.parse("hostnme: x\nlimits: {max_errors: -1}\nbogus: 1\n", "w.yaml"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void configCheckCommandValidatesWithoutStarting(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("good.yaml");
        Files.writeString(good, "hostname: mx.example.org\nvirtual_domains: " + dir.resolve("virtual") + "\n");
        Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(dir.resolve("virtual/example.org"), "bob: bob@localhost\nalice@example.org: alice@localhost\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int rc = cl.execute("config", "check", good.toString());
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains("example.org:2").doesNotContain("Exception");

        Files.writeString(dir.resolve("virtual/example.org"), "bob: bob@localhost\n");
        rc = cl.execute("config", "check", good.toString());
        assertThat(rc).isZero();
        assertThat(out.toString()).contains("OK");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "hostname: mx.example.org\nlimits:\n  max_conections: 5\n");
        rc = cl.execute("config", "check", bad.toString());
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString()).contains(bad + ":3: limits.max_conections: unknown setting (fix: did you mean 'limits.max_connections'?)");
    }

    @ParameterizedTest
    @CsvSource({"45s,45", "10m,600", "8h,28800", "60d,5184000", "90,90"})
    void durations(String text, long seconds) {
        assertThat(Units.duration(text)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @CsvSource({"512,512", "64K,65536", "10M,10485760", "1G,1073741824", "10m,10485760"})
    void sizes(String text, long bytes) {
        assertThat(Units.size(text)).isEqualTo(bytes);
    }
}
