package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.policy.Action;
import warden.policy.OwnIdentity;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Values a new user writes and what they mean: {@code limits.message_size} out of range or in an
 * ambiguous unit is an error naming file, line and fix; a check's action written without a delay
 * has no delay (except {@code delay} itself).
 */
class ConfigValuesTest {

    @ParameterizedTest(name = "message_size: {0}")
    @CsvSource(delimiter = '|', value = {
            "0|out of range",
            "3G|out of range",
            "2049M|out of range",
            "25|out of range",
            "25MB|ambiguous",
            "25 MiB|ambiguous",
            "lots|not a size",
    })
    void aMessageSizeThatCannotBeMeantIsAnErrorWithLineAndFix(String value, String why) {
        assertThatThrownBy(() -> ConfigLoader.parse("hostname: mx.example.org\nlimits:\n  message_size: " + value + "\n", "w.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("w.yaml:3: limits.message_size:")
                .hasMessageContaining(why)
                .hasMessageContaining("fix: write a size from 1K to 2G such as 25M");
    }

    @Test
    void theAmbiguousFormNamesTheFormThatIsMeant() {
        assertThatThrownBy(() -> ConfigLoader.parse("limits: {message_size: 25MB}\n", "w.yaml"))
                .hasMessageContaining("e.g. 25M");
    }

    @ParameterizedTest(name = "message_size: {0}")
    @CsvSource({"1K,1024", "25M,26214400", "2G,2147483648", "25m,26214400", "65536,65536"})
    void aMessageSizeInRangeIsRead(String value, long octets) {
        assertThat(ConfigLoader.parse("limits: {message_size: " + value + "}\n", "w.yaml").limits().messageSize())
                .isEqualTo(octets);
    }

    private static warden.policy.CheckSettings check(String yaml, String name) {
        return ConfigLoader.parse(yaml, "w.yaml").policy().settings(OwnIdentity.none()).check(name);
    }

    @Test
    void anActionWrittenWithoutADelayHasNoDelay() {
        // client-no-ptr's default is "delay 20s"; {action: log} must only log, not wait 20 s.
        var c = check("checks:\n  client-no-ptr: {action: log}\n", "client-no-ptr");
        assertThat(c.action()).isEqualTo(Action.LOG);
        assertThat(c.delay()).isZero();
        assertThat(c.describe()).isEqualTo("log");
        // helo-bare-ip's default is "delay 20s, deny": {action: deny} is a plain deny.
        assertThat(check("checks:\n  helo-bare-ip: {action: deny}\n", "helo-bare-ip").delay()).isZero();
        assertThat(check("checks:\n  dnsbl-warning: {action: header}\n", "dnsbl-warning").delay()).isZero();
    }

    @Test
    void aDelayIsKeptWhenWrittenOrWhenOnlyOtherKeysAreWritten() {
        assertThat(check("checks:\n  client-no-ptr: {action: log, delay: 5s}\n", "client-no-ptr").delay())
                .isEqualTo(Duration.ofSeconds(5));
        // only the exemptions written: the check keeps its default action and delay
        var exempted = check("checks:\n  client-no-ptr: {exempt: [192.0.2.0/24]}\n", "client-no-ptr");
        assertThat(exempted.action()).isEqualTo(Action.DELAY);
        assertThat(exempted.delay()).isEqualTo(Duration.ofSeconds(20));
        // the delay action without a delay takes the default delay
        var delayed = check("checks:\n  helo-unresolvable: {action: delay}\n", "helo-unresolvable");
        assertThat(delayed.action()).isEqualTo(Action.DELAY);
        assertThat(delayed.delay()).isEqualTo(Duration.ofSeconds(20));
    }
}
