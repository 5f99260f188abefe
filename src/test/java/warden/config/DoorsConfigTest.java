package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code doors.greylistd} and {@code doors.postfix}: defaults, values, and errors with file, line and fix. */
class DoorsConfigTest {

    private static WardenConfig parse(String yaml) {
        return ConfigLoader.parse(yaml.replace("\\n", "\n"), "warden.yaml");
    }

    @Test
    void noDoorsSectionMeansBothDoorsOff() {
        WardenConfig c = parse("hostname: mx.example.org\n");
        assertThat(c.doors().greylistd()).isEmpty();
        assertThat(c.doors().postfix()).isEmpty();
        assertThat(c.doors().any()).isFalse();
    }

    @Test
    void anEmptyGreylistdSectionTakesGreylistdsOwnSocketAndMode() {
        WardenConfig.GreylistdDoor g = parse("doors:\n  greylistd: {}\n").doors().greylistd().orElseThrow();
        assertThat(g.socket()).contains(Path.of("/var/run/greylistd/socket"));
        assertThat(g.listen()).isEmpty();
        assertThat(g.mode()).isEqualTo(0660);
        assertThat(g.group()).isEmpty();
    }

    @Test
    void greylistdKeysAreRead() {
        WardenConfig.GreylistdDoor g = parse("""
                doors:
                  greylistd:
                    socket: /run/warden/greylistd.sock
                    listen: "127.0.0.1:10024"
                    mode: 0666
                    group: Debian-exim
                """).doors().greylistd().orElseThrow();
        assertThat(g.addresses()).containsExactly(new WardenConfig.DoorAddress.Unix(Path.of("/run/warden/greylistd.sock")),
                new WardenConfig.DoorAddress.Tcp(new InetSocketAddress("127.0.0.1", 10024)));
        assertThat(g.mode()).isEqualTo(0666);
        assertThat(g.group()).contains("Debian-exim");
    }

    @Test
    void onlyATcpListenerForGreylistdMeansNoSocketFile() {
        WardenConfig.GreylistdDoor g = parse("doors:\n  greylistd: {listen: \"[::1]:10024\"}\n").doors().greylistd().orElseThrow();
        assertThat(g.socket()).isEmpty();
        assertThat(g.addresses()).hasSize(1);
    }

    @Test
    void postfixDefaultsAreTheWholeEngineAndNinetySeconds() {
        WardenConfig.PostfixDoor p = parse("doors:\n  postfix: {listen: [\"127.0.0.1:10023\"]}\n").doors().postfix().orElseThrow();
        assertThat(p.listen()).containsExactly(new WardenConfig.DoorAddress.Tcp(new InetSocketAddress("127.0.0.1", 10023)));
        assertThat(p.answer()).isEqualTo(WardenConfig.PolicyAnswer.ENGINE);
        assertThat(p.maxDelay()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void postfixKeysAreReadInPostfixsOwnSpellingToo() {
        WardenConfig.PostfixDoor p = parse("""
                doors:
                  postfix:
                    listen: ["inet:127.0.0.1:10023", "unix:/var/spool/postfix/private/warden", "[::1]:10023"]
                    answer: greylist
                    max_delay: 99s
                """).doors().postfix().orElseThrow();
        assertThat(p.listen()).containsExactly(
                new WardenConfig.DoorAddress.Tcp(new InetSocketAddress("127.0.0.1", 10023)),
                new WardenConfig.DoorAddress.Unix(Path.of("/var/spool/postfix/private/warden")),
                new WardenConfig.DoorAddress.Tcp(new InetSocketAddress("::1", 10023)));
        assertThat(p.answer()).isEqualTo(WardenConfig.PolicyAnswer.GREYLIST);
        assertThat(p.maxDelay()).isEqualTo(Duration.ofSeconds(99));
    }

    @Test
    void anEmptyListenIsAPolicyServerOnlyWhenADoorIsOn() {
        WardenConfig c = parse("listen: []\ndoors:\n  postfix: {listen: [\"127.0.0.1:10023\"]}\n");
        assertThat(c.listen()).isEmpty();
        assertThat(parse("listen: []\ndoors:\n  greylistd: {socket: /tmp/g.sock}\n").listen()).isEmpty();
        assertThatThrownBy(() -> parse("listen: []\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("warden.yaml:1:")
                .hasMessageContaining("an empty list is only for a policy server: set doors.greylistd or doors.postfix");
    }

    @ParameterizedTest(name = "{0} -> line {1}")
    @CsvSource(delimiter = '|', value = {
            // Non-loopback addresses are refused: the policy protocols have no authentication.
            "doors:\\n  postfix:\\n    listen: [\"0.0.0.0:10023\"]|3|listen on 127.0.0.1 or [::1]",
            "doors:\\n  postfix:\\n    listen: [\"192.0.2.1:10023\"]|3|is not a loopback address",
            "doors:\\n  greylistd:\\n    listen: \"10.0.0.1:10024\"|3|listen on 127.0.0.1 or [::1]",
            "doors:\\n  postfix:\\n    listen: [\"127.0.0.1\"]|3|has no port",
            "doors:\\n  postfix:\\n    listen: [\"unix:\"]|3|names no socket file",
            // A delay Postfix would not wait for.
            "doors:\\n  postfix:\\n    listen: [\"127.0.0.1:10023\"]\\n    max_delay: 100s|4|smtpd_policy_service_timeout",
            "doors:\\n  postfix:\\n    listen: [\"127.0.0.1:10023\"]\\n    max_delay: 5m|4|write at most 99s",
            "doors:\\n  postfix:\\n    listen: [\"127.0.0.1:10023\"]\\n    max_delay: soon|4|a duration such as 45s",
            "doors:\\n  postfix:\\n    listen: [\"127.0.0.1:10023\"]\\n    answer: postgrey|4|engine, greylist",
            "doors:\\n  postfix: {}|2|add listen: [\"127.0.0.1:10023\"]",
            "doors:\\n  postfix:\\n    listen: [\"127.0.0.1:10023\"]\\n    max_dealy: 5s|4|did you mean 'doors.postfix.max_delay'",
            "doors:\\n  greylistd:\\n    mode: 999|3|octal",
            "doors:\\n  greylistd:\\n    sockett: /tmp/x|3|did you mean 'doors.greylistd.socket'",
            "doors:\\n  exim: {}|2|unknown setting",
    })
    void errorsNameTheFileTheLineAndTheFix(String yaml, int line, String fix) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("warden.yaml:" + line + ":")
                .hasMessageContaining(fix);
    }

    @Test
    void everyDoorProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> parse("doors:\n  postfix:\n    listen: [\"0.0.0.0:1\"]\n    max_delay: 2m\n"
                + "  greylistd:\n    listen: \"192.0.2.1:2\"\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void theDoorsRecordsKeepTheirOrder() {
        assertThat(parse("doors:\n  postfix: {listen: [\"unix:/a\", \"127.0.0.1:1\"]}\n").doors().postfix().orElseThrow().listen())
                .extracting(Object::toString).isEqualTo(List.of("unix:/a", "127.0.0.1:1"));
    }
}
