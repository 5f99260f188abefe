package warden.testing;

import org.junit.jupiter.api.Test;
import warden.config.ConfigLoader;
import warden.dns.DnsAnswer;
import warden.dns.DnsjavaResolver;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guards that keep every test off the machine's resolver and on 127.0.0.0/8. */
class NoMachineResolverTest {

    @Test
    void theJvmResolverKnowsOnlyLocalhost() throws Exception {
        assertThatThrownBy(() -> InetAddress.getByName("example.org")).isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("never use the machine's resolver");
        assertThat(InetAddress.getByName("localhost").isLoopbackAddress()).isTrue();
        assertThat(InetAddress.getByName("192.0.2.1").getHostName()).isEqualTo("192.0.2.1"); // no PTR query
    }

    @Test
    void aResolverWithoutConfiguredServersAsksADeadLoopbackPortNotResolvConf() {
        assertThat(System.getProperty("dns.server")).startsWith("127.");
        DnsjavaResolver system = new DnsjavaResolver(List.of(), Duration.ofMillis(300), 0, 0, Clock.systemUTC());
        assertThat(system.a("example.org")).isInstanceOf(DnsAnswer.TempFail.class);
    }

    @Test
    void theDefaultHostnameDoesNotComeFromTheMachine() {
        assertThat(ConfigLoader.parse("", "t.yaml").hostname()).isEqualTo("localhost.localdomain");
    }
}
