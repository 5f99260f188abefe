package warden.greylist;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.mail.Reply;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one contract every {@link GreylistStore} keeps, driven through {@link Greylist} and
 * {@link GreylistAdmin} with a clock the test moves. Each store's test class extends it and says
 * how to open (and reopen) its store.
 */
abstract class GreylistStoreContract {

    static final Instant START = Instant.parse("2026-11-24T12:00:00Z");
    static final InetAddress CLIENT = address("192.0.2.10");

    final TestClock clock = new TestClock(START);
    GreylistStore store;

    /** Opens a store over this test's data; called again after {@code close()} to play a restart. */
    abstract GreylistStore open();

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    Greylist greylist() {
        return greylist(GreylistSettings.defaults());
    }

    Greylist greylist(GreylistSettings settings) {
        return new Greylist(store, settings, clock);
    }

    GreylistAdmin admin() {
        return new GreylistAdmin(store, GreylistSettings.defaults(), clock);
    }

    @Test
    void firstSightIsGreyWithTheSeedsReply() {
        GreylistResult r = greylist().check(CLIENT, "Alice@Example.org", "bob@example.net");

        assertThat(r).isInstanceOf(GreylistResult.Grey.class);
        assertThat(((GreylistResult.Grey) r).retryAfter()).isEqualTo(Duration.ofSeconds(60));
        assertThat(r.reply()).contains(Reply.of(451, "4.7.1",
                "192.0.2.10 is not yet authorized to deliver mail from <alice@example.org> to <bob@example.net>. Please try later."));
        assertThat(store.counters()).containsEntry(GreylistCounter.GREYLISTED, 1L).containsEntry(GreylistCounter.DEFERRED, 1L);
    }

    @Test
    void nullSenderIsKeyedAsEmptyAndToldAboutDeliveryStatusReports() {
        GreylistResult r = greylist().check(CLIENT, "", "postmaster@example.net");

        assertThat(r.reply().orElseThrow().lines()).containsExactly(
                "192.0.2.10 is not yet authorized to send delivery status reports to <postmaster@example.net>. Please try later.");
        assertThat(store.entries()).containsKey("192.0.2.0/24 <> postmaster@example.net");
    }

    /** RFC 5321 4.1.2: a quoted local part may hold spaces; such a sender is greylisted like any other. */
    @Test
    void aQuotedSenderWithASpaceIsGreylistedThenPasses() {
        String sender = "\"John Smith\"@example.org";
        GreylistResult first = greylist().check(CLIENT, sender, "\"dept office\"@example.net");
        assertThat(first).isInstanceOf(GreylistResult.Grey.class);
        assertThat(first.reply().orElseThrow().lines().getFirst())
                .contains("from <\"john smith\"@example.org> to <\"dept office\"@example.net>");
        assertThat(store.entries()).containsKey("192.0.2.0/24 \"john smith\"@example.org \"dept office\"@example.net");

        clock.advance(Duration.ofSeconds(61));
        GreylistResult retry = greylist().check(CLIENT, sender, "\"dept office\"@example.net");
        assertThat(retry).isInstanceOfSatisfying(GreylistResult.Pass.class, p -> assertThat(p.promoted()).isTrue());
        assertThat(admin().check(List.of("192.0.2.10", sender, "\"Dept Office\"@example.net")))
                .isInstanceOf(GreylistResult.Pass.class);
    }

    @Test
    void retryTooEarlyStaysGreyAndDoesNotResetTheFirstSighting() {
        Greylist g = greylist();
        g.check(CLIENT, "a@example.org", "b@example.net");
        clock.advance(Duration.ofSeconds(30));

        GreylistResult early = g.check(CLIENT, "a@example.org", "b@example.net");
        assertThat(early).isInstanceOf(GreylistResult.Grey.class);
        assertThat(((GreylistResult.Grey) early).retryAfter()).isEqualTo(Duration.ofSeconds(30));

        clock.advance(Duration.ofSeconds(30)); // 60 s after the first attempt, 30 s after the early one
        GreylistResult r = g.check(CLIENT, "a@example.org", "b@example.net");
        assertThat(r).isEqualTo(new GreylistResult.Pass(Duration.ofSeconds(60), true, false));
    }

    @Test
    void retryInTheWindowTurnsWhiteAndSaysHowLongItWasDelayed() {
        Greylist g = greylist();
        g.check(CLIENT, "a@example.org", "b@example.net");
        clock.advance(Duration.ofSeconds(73));

        GreylistResult.Pass pass = (GreylistResult.Pass) g.check(CLIENT, "A@EXAMPLE.ORG", "B@example.net");
        assertThat(pass.promoted()).isTrue();
        assertThat(pass.header()).contains("X-Greylist: delayed 73 seconds by Warden");

        clock.advance(Duration.ofMinutes(5));
        GreylistResult.Pass again = (GreylistResult.Pass) g.check(CLIENT, "a@example.org", "b@example.net");
        assertThat(again.promoted()).isFalse();
        assertThat(again.delayed()).isEqualTo(Duration.ofSeconds(73));
        assertThat(store.find("192.0.2.0/24 a@example.org b@example.net").orElseThrow().state()).isEqualTo(GreylistState.WHITE);
        assertThat(store.counters()).containsEntry(GreylistCounter.PROMOTED, 1L).containsEntry(GreylistCounter.PASSED, 2L);
    }

    @Test
    void greyEntryExpiresWhenNotRetriedWithinTheTimeout() {
        Greylist g = greylist();
        g.check(CLIENT, "a@example.org", "b@example.net");
        clock.advance(Duration.ofHours(8).plusSeconds(1));

        GreylistResult late = g.check(CLIENT, "a@example.org", "b@example.net");
        assertThat(late).isInstanceOf(GreylistResult.Grey.class);
        assertThat(((GreylistResult.Grey) late).retryAfter()).isEqualTo(Duration.ofSeconds(60)); // timer restarted
        assertThat(store.counters()).containsEntry(GreylistCounter.GREYLISTED, 2L);

        clock.advance(Duration.ofSeconds(60));
        assertThat(g.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
    }

    @Test
    void whitelistLifetimeIsExtendedByEveryPassAndEndsWhenUnused() {
        Greylist g = greylist();
        g.check(CLIENT, "a@example.org", "b@example.net");
        clock.advance(Duration.ofMinutes(2));
        g.check(CLIENT, "a@example.org", "b@example.net");

        clock.advance(Duration.ofDays(59));
        assertThat(g.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
        clock.advance(Duration.ofDays(59)); // 118 days after promotion, 59 after the last use
        assertThat(g.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);

        clock.advance(Duration.ofDays(60));
        assertThat(g.check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Grey.class);
    }

    @Test
    void blackTripletIsDeniedAndBlackNetworkDeniesEveryTriplet() {
        GreylistAdmin admin = admin();
        admin.add(GreylistState.BLACK, List.of("192.0.2.10", "spam@bad.example", "victim@example.net"));
        admin.add(GreylistState.BLACK, List.of("198.51.100.0/24"));
        Greylist g = greylist();

        GreylistResult r = g.check(CLIENT, "spam@bad.example", "victim@example.net");
        assertThat(r.reply()).contains(Reply.of(550, "5.7.1",
                "192.0.2.10 is blacklisted from delivering mail from <spam@bad.example> to <victim@example.net>."));
        clock.advance(Duration.ofMinutes(10));
        assertThat(g.check(CLIENT, "spam@bad.example", "victim@example.net")).isInstanceOf(GreylistResult.Black.class);
        assertThat(g.check(address("198.51.100.99"), "anyone@example.com", "b@example.net")).isInstanceOf(GreylistResult.Black.class);
        assertThat(store.counters()).containsEntry(GreylistCounter.DENIED, 3L);
    }

    @Test
    void retryFromAnotherAddressOfTheSameNetworkPasses() {
        Greylist g = greylist();
        g.check(address("192.0.2.10"), "a@example.org", "b@example.net");
        g.check(address("2001:db8:1:2::25"), "a@example.org", "b@example.net");
        clock.advance(Duration.ofMinutes(2));

        assertThat(g.check(address("192.0.2.200"), "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
        assertThat(g.check(address("2001:db8:1:2:ffff::1"), "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
        assertThat(g.check(address("192.0.3.10"), "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Grey.class);
        assertThat(g.check(address("2001:db8:1:3::25"), "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Grey.class);
    }

    @Test
    void networkPrefixesAreConfigurable() {
        GreylistSettings s = GreylistSettings.defaults();
        Greylist g = greylist(new GreylistSettings(s.delay(), s.timeout(), s.lifetime(), 32, 128, 0, s.onStoreFailure()));
        g.check(address("192.0.2.10"), "a@example.org", "b@example.net");
        clock.advance(Duration.ofMinutes(2));

        assertThat(g.check(address("192.0.2.11"), "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Grey.class);
        assertThat(g.check(address("192.0.2.10"), "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
        assertThat(store.entries()).containsKey("192.0.2.10/32 a@example.org b@example.net");
    }

    @Test
    void clientNetworkIsWhitelistedAfterEnoughPromotedTriplets() {
        Greylist g = greylist(GreylistSettings.defaults().withAutoWhitelist(2));
        for (String rcpt : List.of("one@example.net", "two@example.net")) {
            g.check(CLIENT, "a@example.org", rcpt);
            clock.advance(Duration.ofMinutes(2));
            assertThat(g.check(CLIENT, "a@example.org", rcpt)).isInstanceOf(GreylistResult.Pass.class);
        }

        GreylistResult fresh = g.check(address("192.0.2.99"), "new@example.org", "three@example.net");
        assertThat(fresh).isEqualTo(new GreylistResult.Pass(Duration.ZERO, false, true));
        assertThat(((GreylistResult.Pass) fresh).header()).isEmpty();
        assertThat(g.check(address("192.0.3.1"), "new@example.org", "three@example.net")).isInstanceOf(GreylistResult.Grey.class);
    }

    @Test
    void oneTripletIsNotEnoughForTheAutoWhitelist() {
        Greylist g = greylist(GreylistSettings.defaults().withAutoWhitelist(2));
        g.check(CLIENT, "a@example.org", "one@example.net");
        clock.advance(Duration.ofMinutes(2));
        g.check(CLIENT, "a@example.org", "one@example.net");
        g.check(CLIENT, "a@example.org", "one@example.net"); // passing the same triplet again does not count

        assertThat(g.check(CLIENT, "a@example.org", "two@example.net")).isInstanceOf(GreylistResult.Grey.class);
    }

    @Test
    @Timeout(60)
    void concurrentSessionsOnOneTripletLoseNoRequestAndPromoteOnce() throws Exception {
        Greylist g = greylist();
        List<GreylistResult> first = inParallel(50, () -> g.check(CLIENT, "a@example.org", "b@example.net"));
        assertThat(first).allMatch(r -> r instanceof GreylistResult.Grey);
        assertThat(store.counters()).containsEntry(GreylistCounter.GREYLISTED, 1L).containsEntry(GreylistCounter.DEFERRED, 50L);

        clock.advance(Duration.ofMinutes(2));
        List<GreylistResult> second = inParallel(50, () -> g.check(CLIENT, "a@example.org", "b@example.net"));
        assertThat(second).allMatch(r -> r instanceof GreylistResult.Pass);
        assertThat(second).filteredOn(r -> ((GreylistResult.Pass) r).promoted()).hasSize(1);
        assertThat(store.counters()).containsEntry(GreylistCounter.PROMOTED, 1L).containsEntry(GreylistCounter.PASSED, 50L);
        assertThat(store.find("192.0.2.0/24 a@example.org b@example.net").orElseThrow().requests()).isEqualTo(100);
    }

    @Test
    void stateSurvivesAReopenOfTheStore() {
        greylist().check(CLIENT, "a@example.org", "b@example.net");
        clock.advance(Duration.ofMinutes(2));
        greylist().check(CLIENT, "a@example.org", "b@example.net");
        admin().add(GreylistState.BLACK, List.of("192.0.2.10", "spam@bad.example", "victim@example.net"));
        store.close();

        store = open();
        clock.advance(Duration.ofMinutes(1));
        assertThat(greylist().check(CLIENT, "a@example.org", "b@example.net")).isInstanceOf(GreylistResult.Pass.class);
        assertThat(greylist().check(CLIENT, "spam@bad.example", "victim@example.net")).isInstanceOf(GreylistResult.Black.class);
        assertThat(store.counters()).containsEntry(GreylistCounter.PROMOTED, 1L);
    }

    @Test
    void purgeRemovesOnlyExpiredEntries() {
        Greylist g = greylist();
        g.check(CLIENT, "white@example.org", "b@example.net");
        clock.advance(Duration.ofMinutes(2));
        g.check(CLIENT, "white@example.org", "b@example.net");
        g.check(CLIENT, "grey@example.org", "b@example.net");
        clock.advance(Duration.ofHours(9));

        assertThat(store.purge(clock.instant())).isEqualTo(1);
        assertThat(store.entries().keySet()).containsExactly("192.0.2.0/24 white@example.org b@example.net");
        assertThat(store.purge(clock.instant())).isZero();
    }

    @Test
    void checkTellsWhatWouldHappenWithoutRecording() {
        GreylistAdmin admin = admin();
        List<String> triplet = List.of("192.0.2.10", "a@example.org", "b@example.net");
        assertThat(admin.check(triplet)).isInstanceOf(GreylistResult.Grey.class);
        assertThat(store.entries()).isEmpty();

        greylist().check(CLIENT, "a@example.org", "b@example.net");
        clock.advance(Duration.ofMinutes(2));
        assertThat(admin.check(triplet)).isEqualTo(new GreylistResult.Pass(Duration.ofMinutes(2), true, false));
        assertThat(store.find(admin.key(triplet)).orElseThrow().state()).isEqualTo(GreylistState.GREY);
        assertThat(store.counters()).containsEntry(GreylistCounter.PASSED, 0L);
    }

    @Test
    void adminListsAddsDeletesAndCounts() {
        GreylistAdmin admin = admin();
        greylist().check(CLIENT, "a@example.org", "b@example.net");
        assertThat(admin.add(GreylistState.WHITE, List.of("203.0.113.7", "<>", "Postmaster@Example.net")))
                .isEqualTo("203.0.113.0/24 <> postmaster@example.net");
        admin.add(GreylistState.BLACK, List.of("2001:db8::/32"));
        clock.advance(Duration.ofSeconds(30));

        List<GreylistAdmin.Listing> all = admin.list(Set.of());
        assertThat(all).extracting(GreylistAdmin.Listing::key).containsExactly(
                "192.0.2.0/24 a@example.org b@example.net", "2001:db8:0:0:0:0:0:0/32", "203.0.113.0/24 <> postmaster@example.net");
        assertThat(all.getFirst().age()).isEqualTo(Duration.ofSeconds(30));
        assertThat(admin.list(Set.of(GreylistState.WHITE))).extracting(GreylistAdmin.Listing::key)
                .containsExactly("203.0.113.0/24 <> postmaster@example.net");

        assertThat(greylist().check(address("203.0.113.9"), "", "postmaster@example.net")).isInstanceOf(GreylistResult.Pass.class);
        assertThat(admin.stats().entries()).containsEntry(GreylistState.WHITE, 1L).containsEntry(GreylistState.GREY, 1L)
                .containsEntry(GreylistState.BLACK, 1L);
        assertThat(admin.stats().counters()).containsEntry(GreylistCounter.PASSED, 1L).containsEntry(GreylistCounter.DEFERRED, 1L);

        assertThat(admin.delete(List.of("203.0.113.7", "<>", "postmaster@example.net"))).isTrue();
        assertThat(admin.delete(List.of("203.0.113.7", "<>", "postmaster@example.net"))).isFalse();
        assertThat(greylist().check(address("203.0.113.9"), "", "postmaster@example.net")).isInstanceOf(GreylistResult.Grey.class);
    }

    static InetAddress address(String literal) {
        return NetworkKey.literal(literal);
    }

    static <T> List<T> inParallel(int sessions, java.util.concurrent.Callable<T> session) throws Exception {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                futures.add(threads.submit(() -> {
                    go.await();
                    return session.call();
                }));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) results.add(f.get());
            return results;
        }
    }
}
