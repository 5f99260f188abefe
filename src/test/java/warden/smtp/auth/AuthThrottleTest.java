package warden.smtp.auth;

import org.junit.jupiter.api.Test;
import warden.mail.Cidr;
import warden.smtp.auth.AuthThrottle.Close;
import warden.smtp.auth.AuthThrottle.Delay;
import warden.testing.TestClock;

import java.net.InetAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Failed AUTH attempts per client network: a growing delay, then 421; bounded memory. */
class AuthThrottleTest {

    TestClock clock = new TestClock();

    private static InetAddress ip(String text) {
        return Cidr.literal(text);
    }

    @Test
    void eachFailureWaitsLongerUntilMaxFailuresCloses() {
        AuthThrottle t = new AuthThrottle(5, Duration.ofMinutes(15), clock);
        InetAddress client = ip("192.0.2.1");
        assertThat(t.blocked(client)).isFalse();
        assertThat(t.failed(client)).isEqualTo(new Delay(Duration.ofSeconds(1)));
        assertThat(t.failed(client)).isEqualTo(new Delay(Duration.ofSeconds(2)));
        assertThat(t.failed(client)).isEqualTo(new Delay(Duration.ofSeconds(4)));
        assertThat(t.failed(client)).isEqualTo(new Delay(Duration.ofSeconds(8)));
        assertThat(t.blocked(client)).isFalse();
        assertThat(t.failed(client)).isEqualTo(new Close(5));
        assertThat(t.blocked(client)).as("later connections too, within the window").isTrue();
        assertThat(t.blocked(ip("192.0.2.2"))).as("another address").isFalse();
    }

    @Test
    void theDelayIsCapped() {
        AuthThrottle t = new AuthThrottle(100, Duration.ofHours(1), clock);
        InetAddress client = ip("192.0.2.1");
        Duration last = Duration.ZERO;
        for (int i = 0; i < 60; i++) last = ((Delay) t.failed(client)).delay();
        assertThat(last).isEqualTo(AuthThrottle.MAX_DELAY);
    }

    @Test
    void theWindowExpiresFromTheFirstFailure() {
        AuthThrottle t = new AuthThrottle(2, Duration.ofMinutes(15), clock);
        InetAddress client = ip("192.0.2.1");
        t.failed(client);
        clock.advance(Duration.ofMinutes(10));
        assertThat(t.failed(client)).isInstanceOf(Close.class);
        assertThat(t.blocked(client)).isTrue();
        clock.advance(Duration.ofMinutes(5));
        assertThat(t.blocked(client)).as("15 minutes after the first failure").isFalse();
        assertThat(t.failed(client)).isEqualTo(new Delay(Duration.ofSeconds(1)));
    }

    @Test
    void successForgetsTheFailures() {
        AuthThrottle t = new AuthThrottle(3, Duration.ofMinutes(15), clock);
        InetAddress client = ip("192.0.2.1");
        t.failed(client);
        t.failed(client);
        t.succeeded(client);
        assertThat(t.failed(client)).isEqualTo(new Delay(Duration.ofSeconds(1)));
    }

    @Test
    void ipv6AddressesOfOneSlash64CountTogether() {
        AuthThrottle t = new AuthThrottle(3, Duration.ofMinutes(15), clock);
        t.failed(ip("2001:db8:1:2::1"));
        t.failed(ip("2001:db8:1:2:ffff::7"));
        assertThat(t.failed(ip("2001:db8:1:2:1234:5678:9abc:def0"))).isInstanceOf(Close.class);
        assertThat(t.blocked(ip("2001:db8:1:3::1"))).as("the next /64").isFalse();
        assertThat(t.blocked(ip("192.0.2.1"))).isFalse();
    }

    @Test
    void memoryIsBoundedExpiredEntriesFirstThenTheOldest() {
        AuthThrottle t = new AuthThrottle(2, Duration.ofMinutes(15), clock, Duration.ofSeconds(1), Duration.ofSeconds(16), 100);
        for (int i = 0; i < 100; i++) t.failed(ip("10.0." + (i / 256) + "." + (i % 256)));
        assertThat(t.size()).isEqualTo(100);
        t.failed(ip("10.0.0.0"));
        assertThat(t.blocked(ip("10.0.0.0"))).isTrue();
        clock.advance(Duration.ofMinutes(16));
        t.failed(ip("192.0.2.1"));
        assertThat(t.size()).as("the expired entries were dropped to make room").isEqualTo(1);
        for (int i = 0; i < 250; i++) t.failed(ip("10.1." + (i / 256) + "." + (i % 256)));
        assertThat(t.size()).isLessThanOrEqualTo(100);
        assertThat(t.blocked(ip("192.0.2.1"))).isFalse();
    }
}
