package warden.door.postfix;

import org.junit.jupiter.api.Test;
import warden.policy.PolicyEngine;
import warden.testing.TestClock;

import java.net.InetAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The door's map of sessions stays bounded in size and in time, whatever instances clients send. */
class PostfixSessionsTest {

    private static PostfixSession session(TestClock clock) {
        InetAddress a = InetAddress.getLoopbackAddress();
        return new PostfixSession(PolicyEngine.permissive().open(a), a, "o", clock.instant());
    }

    @Test
    void manyInstancesKeepAtMostTheCapacity() {
        TestClock clock = new TestClock();
        PostfixSessions sessions = new PostfixSessions(100, Duration.ofMinutes(10), clock);
        for (int i = 0; i < 100_000; i++) sessions.put(new PostfixSessions.Key("i" + i, "192.0.2.1"), session(clock));
        assertThat(sessions.size()).isEqualTo(100);
        // The most recent stay, the oldest went first.
        assertThat(sessions.get(new PostfixSessions.Key("i99999", "192.0.2.1"))).isNotNull();
        assertThat(sessions.get(new PostfixSessions.Key("i0", "192.0.2.1"))).isNull();
    }

    @Test
    void aSessionUnusedForTheIdleTimeIsForgotten() {
        TestClock clock = new TestClock();
        PostfixSessions sessions = new PostfixSessions(100, Duration.ofMinutes(10), clock);
        PostfixSessions.Key old = new PostfixSessions.Key("old", "192.0.2.1");
        PostfixSessions.Key kept = new PostfixSessions.Key("kept", "192.0.2.1");
        sessions.put(old, session(clock));
        sessions.put(kept, session(clock));
        clock.advance(Duration.ofMinutes(6));
        assertThat(sessions.get(kept)).isNotNull();
        clock.advance(Duration.ofMinutes(6));
        assertThat(sessions.get(old)).isNull();
        sessions.put(new PostfixSessions.Key("new", "192.0.2.1"), session(clock));
        assertThat(sessions.get(kept)).isNotNull();
        clock.advance(Duration.ofMinutes(11));
        sessions.put(new PostfixSessions.Key("newer", "192.0.2.1"), session(clock));
        assertThat(sessions.size()).isEqualTo(1);
    }
}
