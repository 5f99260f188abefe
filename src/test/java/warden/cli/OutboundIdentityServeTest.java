package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigException;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Seeds 000/001 at start: {@code serve} refuses a configuration file whose hostname is no FQDN
 * while outbound is on, but on the built-in defaults (this test machine is called {@code vm}) it
 * starts, says loudly that outbound mail is held, and the queue gets the reason.
 */
@Timeout(30)
class OutboundIdentityServeTest {

    @TempDir
    Path dir;

    @Test
    void serveRefusesAConfigurationFileWithANameThatIsNoFqdn() throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: vm\ndata_dir: " + dir.resolve("var") + "\nlisten: [\"127.0.0.1:0\"]\n");
        assertThatThrownBy(() -> ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(new ByteArrayOutputStream())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(yaml + ":1: hostname: hostname 'vm' is not a fully qualified domain name")
                .hasMessageContaining("fix: set hostname: to this host's fully qualified domain name");
        assertThat(dir.resolve("var/log/mainlog")).doesNotExist();
    }

    @Test
    void withoutAConfigurationFileServeStartsAndSaysOutboundMailIsHeld() throws Exception {
        // the built-in defaults on a host called "vm", with a data_dir of the test's own
        WardenConfig c = ConfigLoader.parse("hostname: vm\ndata_dir: " + dir.resolve("var") + "\nlisten: [\"127.0.0.1:0\"]\n",
                WardenConfig.BUILT_IN);
        assertThat(c.fromFile()).isFalse();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (ServeCommand.Running running = ServeCommand.start(c, new PrintStream(console, true))) {
            assertThat(running.server().boundAddresses()).hasSize(1);
        }
        String mainlog = Files.readString(dir.resolve("var/log/mainlog"));
        assertThat(mainlog).contains("WARNING: outbound delivery is held: hostname 'vm' is not a fully qualified domain name")
                .contains("no configuration file").contains("fix: set hostname:")
                .contains("mail for other hosts is kept in the queue and deferred");
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("WARNING: outbound delivery is held");
        assertThat(c.outboundProblem()).hasValueSatisfying(p -> assertThat(p).startsWith("outbound delivery is held: hostname 'vm'"));
    }

    @Test
    void aGoodNameStartsWithoutTheWarning() throws Exception {
        WardenConfig c = ConfigLoader.parse("hostname: mx.warden.test\ndata_dir: " + dir.resolve("var")
                + "\nlisten: [\"127.0.0.1:0\"]\n", WardenConfig.BUILT_IN);
        try (ServeCommand.Running running = ServeCommand.start(c, new PrintStream(new ByteArrayOutputStream()))) {
            assertThat(running.server().boundAddresses()).hasSize(1);
        }
        assertThat(Files.readString(dir.resolve("var/log/mainlog"))).contains("Warden started").doesNotContain("outbound delivery is held");
    }
}
