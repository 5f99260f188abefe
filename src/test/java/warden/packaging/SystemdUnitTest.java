package warden.packaging;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code packaging/warden.service} keeps what running Warden safely needs: its own user (Dovecot
 * refuses mail owned by root), port 25 through a capability, SIGTERM's 143 as success, and the
 * sandbox with data_dir writable. ({@code systemd-analyze verify} checks the syntax; see README.)
 */
class SystemdUnitTest {

    @Test
    void theUnitRunsAsItsOwnUserWithOneCapabilityInASandbox() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("packaging/warden.service")).stream()
                .map(String::strip).filter(l -> !l.startsWith("#")).toList();
        assertThat(lines).contains("User=warden", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "SuccessExitStatus=143", "NoNewPrivileges=yes",
                "ProtectSystem=strict", "ReadWritePaths=/var/lib/warden", "ProtectHome=yes", "PrivateTmp=yes");
        assertThat(lines).noneMatch(l -> l.startsWith("User=root") || l.startsWith("MemoryDenyWriteExecute=yes"));
        assertThat(lines).anyMatch(l -> l.startsWith("ExecStart=") && l.contains(" serve --config /etc/warden/warden.yaml"));
    }

    @Test
    void theReadmesTryItBlockWaitsForTheServerBeforeSendingAndStopsIt() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String block = readme.substring(readme.indexOf("Try it"));
        block = block.substring(block.indexOf("```sh") + 5, block.indexOf("```", block.indexOf("```sh") + 5));
        assertThat(block.indexOf("--pid-file var/warden.pid &")).isPositive();
        assertThat(block.indexOf("until [ -s var/warden.pid ]")).isGreaterThan(block.indexOf("--pid-file var/warden.pid &"));
        assertThat(block.indexOf("swaks ")).isGreaterThan(block.indexOf("until [ -s var/warden.pid ]"));
        assertThat(block).contains("rm -f var/warden.pid").contains("kill $!");
        assertThat(readme).contains("useradd --system").contains("packaging/warden.service");
    }
}
