package warden.greylist;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.mail.Reply;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The store contract on a real {@code redis-server} started on a random loopback port, plus an
 * outage: the server is killed mid-test and started again.
 */
class RedisGreylistStoreTest extends GreylistStoreContract {

    static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) redis.close();
    }

    @Override
    GreylistStore open() {
        return new RedisGreylistStore(redis.uri(), clock);
    }

    @Override
    @org.junit.jupiter.api.BeforeEach
    void openStore() throws Exception {
        redis.flush();
        super.openStore();
    }

    @Test
    @Timeout(60)
    void outageDegradesToTheConfiguredResultAndRecoversWhenRedisIsBack() throws Exception {
        Greylist accepting = greylist();
        Greylist deferring = greylist(GreylistSettings.defaults().withOnStoreFailure(GreylistSettings.OnStoreFailure.DEFER));
        assertThat(accepting.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Grey.class);

        redis.kill();
        try {
            GreylistResult down = accepting.check(CLIENT, "a@example.org", "b@example.net");
            assertThat(down).isInstanceOf(GreylistResult.Unavailable.class);
            assertThat(down.reply()).isEmpty();
            assertThat(((GreylistResult.Unavailable) down).reason()).contains("127.0.0.1:" + redis.port());
            assertThat(deferring.check(CLIENT, "a@example.org", "b@example.net").reply())
                    .contains(Reply.of(451, "4.3.0", "Greylisting is temporarily unavailable. Please try later."));
        } finally {
            redis.launch();
        }

        // The server came back empty (no persistence): the triplet is new again, and the same store works.
        assertThat(accepting.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Grey.class);
        clock.advance(Duration.ofMinutes(2));
        assertThat(accepting.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
    }

    @Test
    void keysCarryARealTtlAsASafetyNet() throws Exception {
        greylist().check(CLIENT, "a@example.org", "b@example.net");
        try (var jedis = new redis.clients.jedis.Jedis(redis.uri())) {
            long ttl = jedis.pttl(RedisGreylistStore.PREFIX + "192.0.2.0/24 a@example.org b@example.net");
            Duration expected = Duration.ofHours(8).plus(RedisGreylistStore.TTL_SLACK);
            assertThat(ttl).isBetween(expected.minusMinutes(1).toMillis(), expected.toMillis());
        }
    }
}
