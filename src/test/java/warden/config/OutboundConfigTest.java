package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.Warden;
import warden.outbound.NextHop;
import warden.queue.QueueSettings;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The outbound keys (routes, smarthost, smarthost_credentials, queue.*, outbound) and the identity
 * rule: a configuration file with outbound on must name a real FQDN (seeds 000 and 001).
 */
class OutboundConfigTest {

    @Test
    void withoutOutboundKeysTheQueueHasPostfixDefaultsAndNoRoutes() {
        WardenConfig c = ConfigLoader.parse("hostname: mx.example.org\n", "w.yaml");
        assertThat(c.queue()).isEqualTo(QueueSettings.DEFAULTS);
        assertThat(c.queue().delayWarning()).isEmpty();
        assertThat(c.routes()).isEmpty();
        assertThat(c.smarthost()).isEmpty();
        assertThat(c.smarthostCredentials()).isEmpty();
        assertThat(c.outbound()).isTrue();
        assertThat(c.outboundProblem()).isEmpty();
    }

    @Test
    void everyOutboundKeyIsRead() {
        WardenConfig c = ConfigLoader.parse("""
                hostname: mx.example.org
                outbound: true
                routes:
                  Example.NET: ["[10.0.0.5]:25", "mail.example.net", "mail.example.net:587", "[::1]:2525"]
                  .corp.example: "[IPv6:2001:db8::25]"
                  "*": "[mail.provider.example]:587"
                smarthost: "[mail.provider.example]:587"
                smarthost_credentials: /etc/exim4/passwd.client
                queue:
                  retry_min: 1m
                  retry_max: 2h
                  max_age: 3d
                  concurrency_per_destination: 5
                  delay_warning: 4h
                """, "w.yaml");
        assertThat(c.routes()).containsOnlyKeys("example.net", ".corp.example", "*");
        assertThat(c.routes().get("example.net")).containsExactly(new NextHop("10.0.0.5", 25, true),
                new NextHop("mail.example.net", 25, false), new NextHop("mail.example.net", 587, false),
                new NextHop("::1", 2525, true));
        assertThat(c.routes().get(".corp.example")).containsExactly(new NextHop("2001:db8::25", 25, true));
        assertThat(c.routes().get("*")).containsExactly(new NextHop("mail.provider.example", 587, true));
        assertThat(c.routes().keySet()).containsExactly("example.net", ".corp.example", "*");
        assertThat(c.smarthost()).contains(new NextHop("mail.provider.example", 587, true));
        assertThat(c.smarthost().get().address()).isEmpty();
        assertThat(c.routes().get("example.net").get(0).address()).isPresent();
        assertThat(c.smarthostCredentials()).contains(Path.of("/etc/exim4/passwd.client"));
        assertThat(c.queue()).isEqualTo(new QueueSettings(Duration.ofMinutes(1), Duration.ofHours(2), Duration.ofDays(3), 5,
                Optional.of(Duration.ofHours(4))));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "[10.0.0.5]:25|[10.0.0.5]:25",
            "[10.0.0.5]|[10.0.0.5]:25",
            "10.0.0.5:2525|[10.0.0.5]:2525",
            "[::1]:2525|[::1]:2525",
            "[IPv6:0:0:0:0:0:0:0:1]|[::1]:25",
            "Mail.Example.NET|mail.example.net",
            "mail.example.net:587|mail.example.net:587",
            "[mail.provider.example]:587|[mail.provider.example]:587",
    })
    void nextHopsAreReadAsWritten(String written, String normal) {
        assertThat(ConfigLoader.nextHop(written).text()).isEqualTo(normal);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "routes: {example.net: [\"::1\"]}|1|routes.example.net: '::1': put an IPv6 address in brackets",
            "routes: {example.net: \"[10.0.0.5\"}|1|has no closing ]",
            "routes: {example.net: \"[10.0.0.5]x\"}|1|only :port may follow ]",
            "routes: {example.net: \"mail.example.net:0\"}|1|the port must be 1..65535",
            "routes: {example.net: \"mail.example.net:smtp\"}|1|the port must be a number",
            "routes: {example.net: \"bad_host!\"}|1|neither a host name nor an IP address",
            "routes:\\n  example.net: []|2|no next hop given",
            "routes:\\n  \"ex ample\": [mail.example.net]|2|routes.ex ample: 'ex ample' is not a valid domain name",
            "routes:\\n  a.example: x.example\\n  A.example: y.example|3|the same domain as another route",
            "routes: [a, b]|1|routes: must be a map of settings",
            "smarthost: \"[mail.provider.example\"|1|smarthost: '[mail.provider.example' has no closing ]",
            "queue: {retry_min: 0s}|1|queue.retry_min: must be longer than 0s",
            "queue: {retry_min: 10m, retry_max: 5m}|1|queue.retry_max: 5m is shorter than queue.retry_min 10m",
            "queue: {max_age: 1m}|1|mail would bounce at its first temporary failure",
            "queue: {delay_warning: 6d}|1|the warning would never be sent",
            "queue: {concurrency_per_destination: 0}|1|out of range",
            "queue:\\n  retry_mni: 1m|2|did you mean 'queue.retry_min'",
            "outbound: maybe|1|'maybe' is not true or false",
    })
    void badOutboundValuesNameTheLineAndTheFix(String yaml, int line, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse("hostname: mx.example.org\n" + yaml.replace("\\n", "\n"), "w.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("w.yaml:" + (line + 1) + ":")
                .hasMessageContaining(message)
                .hasMessageContaining("(fix: ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "vm|not a fully qualified domain name",
            "localhost|default name of unconfigured software",
            "localhost.localdomain|default name of unconfigured software",
            "mail.localdomain|default name of unconfigured software",
            "localhost.example.org|default name of unconfigured software",
            "host.localhost|default name of unconfigured software",
            "192.0.2.25|is an IP address",
            "smtp|default name of unconfigured software",
    })
    void aConfigurationFileWithABogusHostnameIsRefusedWithTheFix(String hostname, String why, @TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "data_dir: " + dir.resolve("var") + "\nhostname: " + hostname + "\n");
        WardenConfig c = ConfigLoader.load(yaml);
        assertThat(warden.cli.Components.validateFiles(c)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(yaml.toString());
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.key()).isEqualTo("hostname");
            assertThat(p.message()).contains(why).contains("every outbound HELO");
            assertThat(p.fix()).contains("set hostname: to this host's fully qualified domain name").contains("outbound: false");
        });
        assertThat(c.outboundProblem()).hasValueSatisfying(p -> assertThat(p).contains(why).contains("outbound: false"));

        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("config", "check", yaml.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(yaml + ":2: hostname: hostname '" + hostname + "'")
                .contains("(fix: set hostname: to this host's fully qualified domain name");
    }

    @Test
    void outboundFalseAcceptsAnyHostnameAndHoldsTheQueue(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "data_dir: " + dir.resolve("var") + "\nhostname: localhost\noutbound: false\n");
        WardenConfig c = ConfigLoader.load(yaml);
        assertThat(warden.cli.Components.validateFiles(c)).isEmpty();
        assertThat(c.outboundProblem()).hasValue("outbound delivery is off (outbound: false in " + yaml + ")");
    }

    @Test
    void aRealNameIsAccepted(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "data_dir: " + dir.resolve("var") + "\nhostname: mx.example.org\n");
        WardenConfig c = ConfigLoader.load(yaml);
        assertThat(warden.cli.Components.validateFiles(c)).isEmpty();
        assertThat(c.outboundProblem()).isEmpty();
    }

    @Test
    void theBuiltInDefaultsAreNotRefusedButHoldTheQueueWhenTheSystemNameIsNoFqdn() {
        WardenConfig c = WardenConfig.defaults();
        assertThat(c.fromFile()).isFalse();
        assertThat(ConfiguredPaths.check(c)).noneMatch(p -> p.key().equals("hostname"));
        boolean bogus = warden.outbound.OutboundIdentity.problem(c.hostname()).isPresent();
        assertThat(c.outboundProblem().isPresent()).isEqualTo(bogus);
        c.outboundProblem().ifPresent(p -> assertThat(p).contains("no configuration file").contains("fix: set hostname:"));
    }

    @Test
    void aMissingCredentialsFileIsReportedWithItsLine(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: mx.example.org\ndata_dir: " + dir.resolve("var")
                + "\nsmarthost: \"[mail.provider.example]:587\"\nsmarthost_credentials: " + dir.resolve("passwd.client") + "\n");
        List<ConfigProblem> problems = warden.cli.Components.validateFiles(ConfigLoader.load(yaml));
        assertThat(problems).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(4);
            assertThat(p.key()).isEqualTo("smarthost_credentials");
            assertThat(p.message()).contains("does not exist");
        });
    }
}
