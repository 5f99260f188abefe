package warden.door.greylistd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.greylist.RedisServer;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The greylistd door's socket file as an Exim host needs it (mode, group, a file left by a crash,
 * a second server), and several Exim hosts sharing one greylist through Redis.
 */
@Timeout(60)
class GreylistdSocketTest {

    @TempDir
    Path dir;

    @Test
    void theSocketIsMode0660ByDefaultAndTakesTheConfiguredModeAndGroup() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            try (GreylistdWarden w = GreylistdWarden.start(dir.resolve("a"), dns, new TestClock())) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(w.socket(), LinkOption.NOFOLLOW_LINKS)))
                        .isEqualTo("rw-rw----");
            }
            String group = Files.exists(Path.of("/etc/group")) && Files.readString(Path.of("/etc/group")).contains("Debian-exim:")
                    ? "Debian-exim" : "mail";
            try (GreylistdWarden w = GreylistdWarden.start(dir.resolve("b"), dns, new TestClock(), "sqlite", "{max_delay: 0s}",
                    "mode: \"0600\"\ngroup: " + group)) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(w.socket(), LinkOption.NOFOLLOW_LINKS)))
                        .isEqualTo("rw-------");
                GroupPrincipal owner = Files.readAttributes(w.socket(), java.nio.file.attribute.PosixFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).group();
                assertThat(owner.getName()).isEqualTo(group);
                assertThat(w.ask("bogus")).isEqualTo("grey");
            }
        }
    }

    @Test
    void aSocketFileLeftByACrashIsReplacedButALiveServerIsNot() throws Exception {
        Path socket = dir.resolve("a/run/greylistd/socket");
        Files.createDirectories(socket.getParent());
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket)); // closed below without removing its file, as a killed server leaves it
        }
        assertThat(socket).exists();
        try (TestDnsServer dns = TestDnsServer.start(); GreylistdWarden first = GreylistdWarden.start(dir.resolve("a"), dns, new TestClock())) {
            assertThat(first.ask("bogus")).isEqualTo("grey");
            assertThatThrownBy(() -> GreylistdWarden.start(dir.resolve("b"), socket, dns, new TestClock(), "sqlite", "{max_delay: 0s}", "")
                    .close())
                    .hasMessageContaining("cannot open a policy door: greylistd door")
                    .hasMessageContaining("a server answers on it");
            assertThat(first.ask("bogus")).as("the first still answers on its socket").isEqualTo("grey");
        }
    }

    /** Two Exim hosts, two Wardens, one Redis: a triplet deferred through one passes through the other after the delay. */
    @Test
    void twoWardensShareOneGreylistInRedis() throws Exception {
        try (RedisServer redis = RedisServer.start(); TestDnsServer dns = TestDnsServer.start()) {
            TestClock clock = new TestClock();
            try (GreylistdWarden one = GreylistdWarden.start(dir.resolve("one"), dns, clock, redis.uri().toString(), "{max_delay: 0s}", "");
                 GreylistdWarden two = GreylistdWarden.start(dir.resolve("two"), dns, clock, redis.uri().toString(), "{max_delay: 0s}", "")) {
                assertThat(one.ask("--grey 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("true");
                assertThat(two.ask("--grey 192.0.2.1 alice@example.org bob@example.net")).as("still inside the delay").isEqualTo("true");
                assertThat(two.ask("status 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("grey");
                clock.advance(Duration.ofSeconds(61));
                assertThat(two.ask("--grey 192.0.2.1 alice@example.org bob@example.net")).isEqualTo("false");
                assertThat(one.ask("192.0.2.1 alice@example.org bob@example.net")).isEqualTo("white");
                assertThat(one.ask("add --black 198.51.100.7")).isEqualTo("Added to blacklist");
                assertThat(two.ask("198.51.100.9 spam@bad.example victim@example.net")).isEqualTo("black");
                assertThat(two.greylistCommand("list")).contains("192.0.2.0/24 alice@example.org bob@example.net");
            }
        }
    }
}
