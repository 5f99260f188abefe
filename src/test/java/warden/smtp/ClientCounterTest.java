package warden.smtp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-address connection count never undercounts, whatever the interleaving. */
class ClientCounterTest {

    static final InetAddress CLIENT = InetAddress.getLoopbackAddress();

    /**
     * Many connections from one address opening and closing at once: never more admitted than
     * the limit, and nothing left counted afterwards. Before the fix an admission could increment
     * a counter a concurrent release had just removed from the map, uncounted.
     */
    @Test
    void concurrentAdmissionsAndReleasesNeverExceedTheLimit() throws Exception {
        int limit = 1;
        ClientCounter counter = new ClientCounter(limit);
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 200_000; i++) {
                        Optional<ClientCounter.Slot> slot = counter.admit(CLIENT);
                        if (slot.isEmpty()) continue;
                        most.accumulateAndGet(holding.incrementAndGet(), Math::max);
                        holding.decrementAndGet();
                        slot.get().close();
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) f.get(120, TimeUnit.SECONDS);
        }
        assertThat(most.get()).isLessThanOrEqualTo(limit);
        assertThat(counter.open(CLIENT)).isZero();
        assertThat(counter.addresses()).isZero();
    }

    @Test
    void aSlotClosedTwiceGivesItsPlaceBackOnce() {
        ClientCounter counter = new ClientCounter(2);
        ClientCounter.Slot a = counter.admit(CLIENT).orElseThrow();
        ClientCounter.Slot b = counter.admit(CLIENT).orElseThrow();
        assertThat(counter.admit(CLIENT)).isEmpty(); // refused: nothing to give back
        a.close();
        a.close();
        assertThat(counter.open(CLIENT)).isEqualTo(1); // b still counts
        assertThat(counter.admit(CLIENT)).isPresent();
        assertThat(counter.admit(CLIENT)).isEmpty();
        b.close();
    }
}
