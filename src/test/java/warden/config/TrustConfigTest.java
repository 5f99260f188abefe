package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.Warden;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configuration keys of issue 7 section 4: {@code listen[].proxy_unknown} and {@code local_users}. */
class TrustConfigTest {

    @Test
    void proxyUnknownIsPerListenerAndUntrustedByDefault() {
        WardenConfig c = ConfigLoader.parse("""
                listen:
                  - {address: "127.0.0.1:10025", proxy_protocol: true}
                  - {address: "127.0.0.1:10026", proxy_protocol: true, proxy_unknown: close}
                  - "127.0.0.1:2525"
                """, "warden.yaml");
        assertThat(c.listen()).extracting(WardenConfig.Listener::proxyUnknown).containsExactly(
                WardenConfig.ProxyUnknown.UNTRUSTED, WardenConfig.ProxyUnknown.CLOSE, WardenConfig.ProxyUnknown.UNTRUSTED);
    }

    @Test
    void proxyUnknownIsValidated() {
        assertThatThrownBy(() -> ConfigLoader.parse("listen:\n  - {address: \"127.0.0.1:25\", proxy_protocol: true, proxy_unknown: trust}\n",
                "warden.yaml")).isInstanceOf(ConfigException.class).hasMessageContaining("warden.yaml:2:")
                .hasMessageContaining("untrusted, close");
        assertThatThrownBy(() -> ConfigLoader.parse("listen:\n  - {address: \"127.0.0.1:25\", proxy_unknown: close}\n",
                "warden.yaml")).isInstanceOf(ConfigException.class).hasMessageContaining("warden.yaml:2:")
                .hasMessageContaining("without proxy_protocol: true");
    }

    @Test
    void localUsersIsAnOptionalFile() {
        assertThat(WardenConfig.defaults().localUsers()).isEmpty();
        assertThat(ConfigLoader.parse("local_users: /etc/warden/local-users\n", "w.yaml").localUsers())
                .isEqualTo(Optional.of(Path.of("/etc/warden/local-users")));
    }

    @Test
    void configCheckReportsLocalUsersProblemsWithFileAndLine(@TempDir Path dir) throws Exception {
        Path users = dir.resolve("local-users");
        Files.writeString(users, "patrick\nbob@example.org\n");
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: mx.example.org\ndata_dir: " + dir.resolve("var") + "\nlocal_users: " + users + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertThat(cl.execute("config", "check", yaml.toString())).isEqualTo(1);
        assertThat(err.toString()).contains(users + ":2: `bob@example.org` is an address");

        Files.writeString(users, "patrick\nbob\n");
        assertThat(cl.execute("config", "check", yaml.toString())).isZero();
    }
}
