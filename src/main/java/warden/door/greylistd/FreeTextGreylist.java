package warden.door.greylistd;

import warden.greylist.Greylist;
import warden.greylist.GreylistCounter;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;
import warden.greylist.GreylistStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * greylistd's state machine for data that is not a delivery attempt ({@code bogus}, a bare
 * client address): unseen text turns grey, a grey key retried after {@code greylist.delay} turns
 * white, white and black stay. The rules and lifetimes are those of Warden's greylist
 * ({@link warden.greylist.Greylist}): a grey key not retried within {@code greylist.timeout}
 * starts again, a white or black one lives {@code greylist.lifetime} from its last use.
 *
 * <p>Keys are kept in clear text in the shared store ({@link Subject.Text}), so they survive a
 * restart: greylistd's keys were Python's per-process randomised {@code hash()}, and its
 * blacklist came back grey after every restart (its defect 1).
 *
 * <p>A store failure never becomes black: it answers as {@code greylist.on_store_failure} says
 * (white to accept, grey to defer).
 */
final class FreeTextGreylist {

    /**
     * The answer.
     *
     * @param state white, grey or black
     * @param why on one line, for the log
     */
    record Answer(GreylistState state, String why) {}

    private final GreylistStore store;
    private final GreylistSettings settings;
    private final Clock clock;
    private final Greylist rules;

    FreeTextGreylist(GreylistStore store, GreylistSettings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
        this.rules = new Greylist(store, settings, clock);
    }

    /**
     * The state of {@code key}, moved on if {@code record}. A white or black entry of
     * {@code network} (for a bare client address) answers first, as it does for the client's triplets.
     */
    Answer decide(String key, Optional<String> network, boolean record) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        try {
            if (network.isPresent()) {
                Optional<GreylistEntry> n = store.find(network.get()).filter(e -> !e.expiredAt(now) && e.state() != GreylistState.GREY);
                if (n.isPresent()) return new Answer(n.get().state(), "the client network " + network.get() + " is " + n.get().state().label());
            }
            Optional<GreylistEntry> before;
            Optional<GreylistEntry> after;
            if (record) {
                GreylistStore.Change c = store.update(key, current -> rules.next(current, now), change -> counted(change, now));
                before = c.before();
                after = c.after();
            } else {
                before = store.find(key);
                after = rules.next(before, now);
            }
            GreylistEntry e = after.orElseThrow();
            boolean fresh = before.filter(b -> !b.expiredAt(now)).isEmpty();
            String why = switch (e.state()) {
                case GREY -> fresh ? "first seen" : "seen " + Duration.between(e.firstSeen(), now).toSeconds() + "s ago, retry in "
                        + Duration.between(now, e.firstSeen().plus(settings.delay())).toSeconds() + "s";
                case WHITE -> before.map(b -> b.state() == GreylistState.GREY).orElse(false)
                        ? "retried after " + Duration.between(e.firstSeen(), now).toSeconds() + "s" : "white";
                case BLACK -> "black";
            };
            return new Answer(e.state(), why);
        } catch (RuntimeException e) { // GreylistStoreException, or a bug in a store: never black
            boolean defer = settings.onStoreFailure() == GreylistSettings.OnStoreFailure.DEFER;
            return new Answer(defer ? GreylistState.GREY : GreylistState.WHITE, "the greylist store is unavailable ("
                    + e.getMessage() + "); " + (defer ? "deferring" : "accepting"));
        }
    }

    private static List<GreylistCounter> counted(GreylistStore.Change c, Instant now) {
        boolean fresh = c.before().filter(b -> !b.expiredAt(now)).isEmpty();
        GreylistEntry after = c.after().orElseThrow();
        return switch (after.state()) {
            case GREY -> fresh ? List.of(GreylistCounter.GREYLISTED, GreylistCounter.DEFERRED) : List.of(GreylistCounter.DEFERRED);
            case WHITE -> !fresh && c.before().get().state() == GreylistState.GREY
                    ? List.of(GreylistCounter.PROMOTED, GreylistCounter.PASSED) : List.of(GreylistCounter.PASSED);
            case BLACK -> List.of(GreylistCounter.DENIED);
        };
    }
}
