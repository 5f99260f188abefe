package warden.greylist;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.Reply;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a (client, sender, recipient) delivery attempt passes, is deferred, or is
 * denied, and records the attempt in a {@link GreylistStore}.
 *
 * <p>A triplet seen for the first time is put on the grey list and deferred. A retry before
 * {@code delay} has elapsed stays grey and does not reset the first sighting. A retry after the
 * delay but within {@code timeout} of the first sighting moves the triplet to the white list
 * (greylistd and postgrey both enforce a window; greylistd only at its save sweeps, we at every
 * request). A white triplet passes and its {@code lifetime} restarts at every pass; a black one is
 * denied. Before the triplet, the client network's own entry is consulted: white (added by an
 * operator, or earned by {@code autoWhitelist} promoted triplets, as postgrey's
 * {@code --auto-whitelist-clients}) passes every triplet from it, black denies them.
 *
 * <p>A store failure never reaches the caller as an exception: it becomes
 * {@link GreylistResult.Unavailable}, logged here, with the configured degradation.
 *
 * <h2>Standards</h2>
 * Harris's greylisting paper; RFC 6647 sections 4 and 5; the seed ACL's reply texts.
 *
 * <p>It does not decide who is exempt (authenticated or relay clients, the null sender at RCPT,
 * static whitelists): the policy engine skips the greylist for those.
 *
 * @see GreylistAdmin
 */
public final class Greylist {

    private static final Logger LOG = LoggerFactory.getLogger(Greylist.class);

    private final GreylistStore store;
    private final GreylistSettings settings;
    private final Clock clock;

    public Greylist(GreylistStore store, GreylistSettings settings, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public GreylistSettings settings() { return settings; }

    /** The triplet a client address, sender and recipient are keyed by. */
    public Triplet triplet(InetAddress client, String sender, String recipient) {
        return Triplet.of(client, sender, recipient, settings.networkIpv4(), settings.networkIpv6());
    }

    /** Decides one delivery attempt and records it. Never throws for a store failure. */
    public GreylistResult check(InetAddress client, String sender, String recipient) {
        return decide(triplet(client, sender, recipient), warden.mail.IpText.of(client), true);
    }

    /**
     * Decides one delivery attempt of a triplet already keyed (by a network the client named, as
     * greylistd's Exim ACL with {@code -netmask} sends it) and records it. Never throws for a store failure.
     *
     * @param client the client as log lines and replies name it
     */
    public GreylistResult check(Triplet triplet, String client) {
        return decide(triplet, client, true);
    }

    /**
     * What {@link #check} would answer now, without recording anything (greylistd's
     * {@code check}): a grey triplet whose delay has elapsed reports a promoting pass but stays grey.
     */
    public GreylistResult peek(Triplet triplet, String client) {
        return decide(triplet, client, false);
    }

    private GreylistResult decide(Triplet triplet, String client, boolean record) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        try {
            Optional<GreylistResult> byNetwork = network(triplet, client, now, record);
            if (byNetwork.isPresent()) return byNetwork.get();
            GreylistStore.Change change = record
                    ? store.update(triplet.key(), current -> next(current, now), c -> counters(c, result(triplet, client, c, now), now))
                    : preview(triplet.key(), now);
            GreylistResult result = result(triplet, client, change, now);
            if (record && result instanceof GreylistResult.Pass p && p.promoted() && settings.autoWhitelist() > 0) {
                store.update(triplet.network().text(), current -> countPass(current, now));
            }
            return result;
        } catch (GreylistStoreException e) {
            LOG.warn("greylist store unavailable for {} ({}): {}", triplet, settings.onStoreFailure(), e.getMessage());
            return unavailable(e.getMessage());
        } catch (RuntimeException e) {
            // A bug in a store must not become a rejection or a dropped session either.
            LOG.error("greylist failed for {} ({})", triplet, settings.onStoreFailure(), e);
            return unavailable(e.toString());
        }
    }

    private GreylistStore.Change preview(String key, Instant now) {
        Optional<GreylistEntry> current = store.find(key);
        return new GreylistStore.Change(current, next(current, now));
    }

    /** The network's own entry decides when it is white or black; grey (counting) does not. */
    private Optional<GreylistResult> network(Triplet triplet, String client, Instant now, boolean record) {
        String key = triplet.network().text();
        Optional<GreylistEntry> entry = store.find(key).filter(e -> !e.expiredAt(now));
        if (entry.isEmpty() || entry.get().state() == GreylistState.GREY) return Optional.empty();
        GreylistResult result = entry.get().state() == GreylistState.WHITE
                ? new GreylistResult.Pass(Duration.ZERO, false, true)
                : new GreylistResult.Black(blackReply(triplet, client));
        if (record) {
            GreylistCounter counter = result instanceof GreylistResult.Pass ? GreylistCounter.PASSED : GreylistCounter.DENIED;
            store.update(key, current -> current.filter(e -> !e.expiredAt(now)).map(e -> seen(e, now)), c -> List.of(counter));
        }
        return Optional.of(result);
    }

    /**
     * The greylisting state machine for one entry (a triplet's, or any other key greylistd's
     * protocol names): unseen turns grey, grey turns white once {@code delay} has passed, white
     * and black stay and live on. Pure: it may run more than once.
     */
    public Optional<GreylistEntry> next(Optional<GreylistEntry> current, Instant now) {
        Optional<GreylistEntry> live = current.filter(e -> !e.expiredAt(now));
        if (live.isEmpty()) {
            return Optional.of(new GreylistEntry(GreylistState.GREY, now, now, now.plus(settings.timeout()), 1, Duration.ZERO));
        }
        GreylistEntry e = live.get();
        if (e.state() == GreylistState.GREY) {
            if (now.isBefore(e.firstSeen().plus(settings.delay()))) {
                // Early retries count but neither reset the first sighting nor stretch the window.
                return Optional.of(new GreylistEntry(GreylistState.GREY, e.firstSeen(), now, e.expires(), e.requests() + 1, Duration.ZERO));
            }
            Duration delayed = Duration.between(e.firstSeen(), now);
            return Optional.of(new GreylistEntry(GreylistState.WHITE, e.firstSeen(), now, now.plus(settings.lifetime()), e.requests() + 1, delayed));
        }
        return Optional.of(seen(e, now));
    }

    /** A white or black entry matched again: its lifetime restarts. */
    private GreylistEntry seen(GreylistEntry e, Instant now) {
        Instant expires = now.plus(settings.lifetime());
        if (expires.isBefore(e.expires())) expires = e.expires(); // an operator may have set a longer life
        return new GreylistEntry(e.state(), e.firstSeen(), now, expires, e.requests() + 1, e.delayed());
    }

    /** One more promoted triplet from a client network; enough of them whitelist the network. */
    private Optional<GreylistEntry> countPass(Optional<GreylistEntry> current, Instant now) {
        Optional<GreylistEntry> live = current.filter(e -> !e.expiredAt(now));
        if (live.isPresent() && live.get().state() != GreylistState.GREY) return live; // set by an operator
        long passes = live.map(GreylistEntry::requests).orElse(0L) + 1;
        Instant first = live.map(GreylistEntry::firstSeen).orElse(now);
        GreylistState state = passes >= settings.autoWhitelist() ? GreylistState.WHITE : GreylistState.GREY;
        return Optional.of(new GreylistEntry(state, first, now, now.plus(settings.lifetime()), passes, Duration.ZERO));
    }

    private GreylistResult result(Triplet t, String client, GreylistStore.Change change, Instant now) {
        Optional<GreylistEntry> before = change.before().filter(e -> !e.expiredAt(now));
        GreylistEntry after = change.after().orElseThrow();
        return switch (after.state()) {
            case WHITE -> new GreylistResult.Pass(after.delayed(), before.map(b -> b.state() == GreylistState.GREY).orElse(false), false);
            case BLACK -> new GreylistResult.Black(blackReply(t, client));
            case GREY -> {
                Duration left = Duration.between(now, after.firstSeen().plus(settings.delay()));
                yield new GreylistResult.Grey(left.isNegative() ? Duration.ZERO : left, greyReply(t, client));
            }
        };
    }

    private static List<GreylistCounter> counters(GreylistStore.Change change, GreylistResult result, Instant now) {
        boolean fresh = change.before().filter(e -> !e.expiredAt(now)).isEmpty();
        List<GreylistCounter> counted = new ArrayList<>(2);
        switch (result) {
            case GreylistResult.Pass p -> {
                counted.add(GreylistCounter.PASSED);
                if (p.promoted()) counted.add(GreylistCounter.PROMOTED);
            }
            case GreylistResult.Grey g -> {
                counted.add(GreylistCounter.DEFERRED);
                if (fresh) counted.add(GreylistCounter.GREYLISTED);
            }
            case GreylistResult.Black b -> counted.add(GreylistCounter.DENIED);
            case GreylistResult.Unavailable u -> { }
        }
        return counted;
    }

    private GreylistResult unavailable(String reason) {
        Optional<Reply> reply = settings.onStoreFailure() == GreylistSettings.OnStoreFailure.DEFER
                ? Optional.of(Reply.of(451, "4.3.0", "Greylisting is temporarily unavailable. Please try later."))
                : Optional.empty();
        return new GreylistResult.Unavailable(reason == null ? "store failure" : reason, reply);
    }

    // The texts of the seed's Exim ACL (Debian greylistd-setup-exim4): RCPT for a sender, DATA for bounces.
    private static Reply greyReply(Triplet t, String client) {
        String text = t.nullSender()
                ? client + " is not yet authorized to send delivery status reports to <" + t.recipient() + ">. Please try later."
                : client + " is not yet authorized to deliver mail from <" + t.sender() + "> to <" + t.recipient() + ">. Please try later.";
        return Reply.of(451, "4.7.1", text);
    }

    private static Reply blackReply(Triplet t, String client) {
        String text = t.nullSender()
                ? client + " is blacklisted from sending delivery status reports to <" + t.recipient() + ">."
                : client + " is blacklisted from delivering mail from <" + t.sender() + "> to <" + t.recipient() + ">.";
        return Reply.of(550, "5.7.1", text);
    }
}
