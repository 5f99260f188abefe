package warden.door.greylistd;

import warden.greylist.Greylist;
import warden.greylist.GreylistResult;
import warden.greylist.GreylistState;
import warden.mail.ClientText;
import warden.mail.Reply;
import warden.policy.Decision;
import warden.policy.DialoguePolicy;
import warden.policy.Finding;
import warden.policy.PolicyEngine;
import warden.policy.PolicySession;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks Warden's whole engine about a delivery attempt that Exim describes to greylistd, and says
 * it in greylistd's three words: {@code white} (the engine lets it through), {@code grey} (a 4xx
 * refusal: greylisted, or any check that defers) and {@code black} (a 5xx refusal: a DNS
 * blacklist, a bogus bounce, a blacklisted triplet). Exim's second ACL verb then denies
 * {@code black} as it always did.
 *
 * <p>The greylistd protocol carries the client address, the sender and the recipients, nothing
 * else: no HELO name, no TLS, no authentication. So one {@link PolicySession} is opened for the
 * client and decided at CONNECT (client identity checks, with its PTR looked up as {@code serve}
 * does), then at RCPT ({@link Subject.Delivery}: DNS lists, bogus bounces, the greylist); for a
 * bounce ({@link Subject.Bounce}, the DATA ACL's request) at RCPT for each recipient and then at
 * DATA, where the engine greylists the null sender over all recipients. HELO and MAIL are never
 * decided: their checks ({@code helo-*}, {@code helo-missing}) would judge a greeting nobody
 * told us. DATA's checks see no message and skip. The first refusal is the answer, as in SMTP,
 * where the dialogue stops there. Relay and authenticated clients are Exim's to exempt: its ACL
 * does not ask for them.
 *
 * <p>A client named as a network ({@code 192.0.2.0/24}) has no address to look up: only the
 * greylist answers for it, keyed by that network.
 *
 * <p>A delay in a decision is not waited (Exim waits 5 seconds at most for the answer): it is
 * returned so that the door logs it.
 */
final class EngineVerdict {

    /**
     * The engine's word.
     *
     * @param state white, grey or black
     * @param stage the stage that decided
     * @param why the refusal, if any, and every finding that cost the client something, on one line
     * @param delay what the engine asked to wait, summed over the stages (not waited)
     */
    record Answer(GreylistState state, Stage stage, String why, Duration delay) {}

    private final PolicyEngine engine;
    private final Optional<Greylist> greylist;
    private final boolean record;

    /**
     * @param engine the engine to ask (recording, or peeking for {@code check})
     * @param greylist the greylist, for clients named as a network
     * @param record whether a network-keyed triplet is recorded ({@code update}) or only looked at ({@code check})
     */
    EngineVerdict(PolicyEngine engine, Optional<Greylist> greylist, boolean record) {
        this.engine = engine;
        this.greylist = greylist;
        this.record = record;
    }

    Answer ask(Subject.Delivery d) {
        if (d.address().isEmpty()) return byGreylist(d.triplet(), d.client(), record);
        return after(d.address().get(), (session, steps, client) -> steps.refused(session.decide(snapshot(Stage.RCPT, client,
                Optional.of(d.triplet().sender()), List.of(), Optional.of(d.triplet().recipient()))), Stage.RCPT));
    }

    Answer ask(Subject.Bounce b) {
        if (b.address().isEmpty()) return byGreylist(b.triplet(), b.client(), record);
        return after(b.address().get(), (session, steps, client) -> {
            List<String> accepted = new ArrayList<>();
            for (String r : b.recipients()) {
                if (steps.refused(session.decide(snapshot(Stage.RCPT, client, Optional.of(""), accepted, Optional.of(r))), Stage.RCPT)) {
                    return;
                }
                accepted.add(r);
            }
            steps.refused(session.decide(snapshot(Stage.DATA, client, Optional.of(""), accepted, Optional.empty())), Stage.DATA);
        });
    }

    /** The stages after CONNECT, as one kind of request goes through them. */
    @FunctionalInterface
    private interface Rest {
        void decide(PolicySession session, Steps steps, InetAddress client);
    }

    /** Opens a session for the client, decides CONNECT, and unless it refuses, {@code rest}. */
    private Answer after(InetAddress client, Rest rest) {
        PolicySession session = engine.open(client);
        Steps steps = new Steps();
        if (!steps.refused(session.decide(snapshot(Stage.CONNECT, client, Optional.empty(), List.of(), Optional.empty())), Stage.CONNECT)) {
            rest.decide(session, steps, client);
        }
        return steps.answer();
    }

    /**
     * Whether a bounce request is on the black list, by the store alone (its triplet, or its
     * client's network), recording nothing. This is how {@code --black IP $recipients} is
     * answered: Debian's DATA ACL ({@code greylistd-setup-exim4}) asks it with
     * {@code !senders = :}, that is about every message that is <em>not</em> a bounce, so the
     * null sender's checks (bogus bounces) must not judge it, and no bounce triplet is made up.
     * The seed's DATA ACL asks without an option and gets the whole engine.
     */
    Answer blackListed(Subject.Bounce b) {
        Answer a = byGreylist(b.triplet(), b.client(), false);
        return a.state() == GreylistState.BLACK ? a
                : new Answer(GreylistState.WHITE, Stage.DATA, "not on the black list (--black of a bounce request: the store's word only)",
                        Duration.ZERO);
    }

    private Answer byGreylist(warden.greylist.Triplet triplet, String client, boolean record) {
        if (greylist.isEmpty()) return new Answer(GreylistState.WHITE, Stage.RCPT, "greylisting is off", Duration.ZERO);
        Greylist g = greylist.get();
        GreylistResult r = record ? g.check(triplet, client) : g.peek(triplet, client);
        String why = "greylist " + r.label() + " " + triplet + r.reply().map(reply -> ": " + reply).orElse("");
        GreylistState state = switch (r) {
            case GreylistResult.Pass p -> GreylistState.WHITE;
            case GreylistResult.Black b -> GreylistState.BLACK;
            // Could not tell (a store outage) is never black: grey only when configured to defer.
            case GreylistResult.Grey g2 -> GreylistState.GREY;
            case GreylistResult.Unavailable u -> u.reply().isPresent() ? GreylistState.GREY : GreylistState.WHITE;
        };
        return new Answer(state, Stage.RCPT, ClientText.ascii(why, 1500), Duration.ZERO);
    }

    /** The decisions so far: the first refusal, the findings that counted, the delays asked. */
    private static final class Steps {
        private final List<String> findings = new ArrayList<>();
        private Duration delay = Duration.ZERO;
        private Optional<Reply> refusal = Optional.empty();
        private Stage stage = Stage.CONNECT;

        boolean refused(Decision d, Stage at) {
            stage = at;
            delay = delay.plus(d.delay());
            for (Finding f : d.findings()) {
                // What cost the client something, and the greylist's word whatever it was (often the reason for white).
                boolean counts = f.outcome() == Finding.Outcome.FAIL || f.outcome() == Finding.Outcome.TEMPFAIL;
                if (!counts && !f.check().equals(DialoguePolicy.GREYLIST)) continue;
                String line = f.check() + " " + f.outcome().label() + ": " + f.reason();
                if (!findings.contains(line)) findings.add(line);
            }
            refusal = d.refusal();
            return refusal.isPresent();
        }

        Answer answer() {
            GreylistState state = refusal.map(r -> r.isPermanent() ? GreylistState.BLACK : GreylistState.GREY)
                    .orElse(GreylistState.WHITE);
            StringBuilder why = new StringBuilder(stage.label());
            refusal.ifPresent(r -> why.append(' ').append(r));
            if (findings.isEmpty()) why.append(refusal.isPresent() ? "" : " nothing found");
            else why.append("; ").append(String.join("; ", findings));
            return new Answer(state, stage, ClientText.ascii(why.toString(), 1500), delay);
        }
    }

    private static SessionSnapshot snapshot(Stage stage, InetAddress client, Optional<String> sender, List<String> recipients,
                                            Optional<String> recipient) {
        // No HELO, no TLS, no authentication, no relay: the protocol does not say (Exim's ACL exempts those itself).
        return new SessionSnapshot(stage, client, 0, InetAddress.getLoopbackAddress(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), false, false, sender, recipients, recipient, Optional.empty());
    }
}
