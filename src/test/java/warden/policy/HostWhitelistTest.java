package warden.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.policy.Snapshots.ip;

class HostWhitelistTest {

    @Test
    void aMissingFileIsAnEmptyListUntilItAppears(@TempDir Path dir) throws Exception {
        List<String> log = new ArrayList<>();
        Path file = dir.resolve("whitelist-hosts");
        HostWhitelist w = new HostWhitelist(file, log::add);
        assertThat(w.current().isEmpty()).isTrue();
        assertThat(w.current().isEmpty()).isTrue();
        assertThat(log).hasSize(1).first().asString().contains("does not exist");

        Files.writeString(file, "203.0.113.0/24\n");
        assertThat(w.current().matches(ip("203.0.113.5"), Optional.empty())).isTrue();

        Files.writeString(file, "198.51.100.1\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        assertThat(w.current().matches(ip("203.0.113.5"), Optional.empty())).as("re-read after the change").isFalse();
        assertThat(w.current().matches(ip("198.51.100.1"), Optional.empty())).isTrue();
    }
}
