package warden.door.postfix;

import warden.policy.Decision;
import warden.policy.PolicySession;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One SMTP session of Postfix's as its policy requests tell it, and the Warden
 * {@link PolicySession} that judges it: what the engine remembers (sticky punishments, the DNS
 * lists' answer, the client's DNS identity) lives as long as the session.
 *
 * <p>Postfix asks about one stage at a time and sends, with each request, everything it knows
 * (SMTPD_POLICY_README). The engine wants to see the dialogue in order, so the first request of a
 * session replays what the attributes say happened before it: CONNECT ({@code client_address}),
 * HELO ({@code helo_name}, if the client greeted; judged again whenever the name changes), MAIL
 * ({@code sender}, once per transaction), then the request's own stage. Only the decision of the
 * request's own stage is answered (and its delay waited); the engine carries what the earlier
 * stages earned into it, as it does in {@code serve}.
 *
 * <p>A transaction is one Postfix {@code instance} (Postfix makes a new one at every MAIL FROM).
 * Its recipients are those Warden did not refuse (Postfix's later restrictions may still refuse
 * some; Warden cannot see that). Its headers are given at most once each, one per answer
 * ({@link #nextHeader}).
 *
 * <p>Memory is bounded whatever a client sends: a transaction is judged for at most
 * {@value #MAX_RECIPIENTS} recipients (Postfix's {@code smtpd_recipient_limit}) of at most
 * {@value #RECIPIENT_CHARS} characters in all; beyond, a recipient is deferred with
 * {@code 452 4.5.3} without asking the engine (as {@code serve} does over
 * {@code limits.max_recipients}), so neither this session nor the engine's grows further. Every
 * other value is one request line, at most {@value RequestReader#MAX_LINE} bytes.
 *
 * <p>Not thread-safe: the door holds {@link #lock()} around {@link #decide} and {@link #nextHeader}
 * (a lock, not {@code synchronized}: the engine may wait for DNS inside, which must not pin a
 * virtual thread's carrier on Java 21).
 */
final class PostfixSession {

    /** Recipients remembered per transaction (Postfix's smtpd_recipient_limit is 1000 by default). */
    static final int MAX_RECIPIENTS = 1000;
    /** The recipients' characters judged per transaction (1 000 addresses of 64 characters). */
    static final int RECIPIENT_CHARS = 64 * 1024;

    /** The answer beyond the recipient bounds. */
    static final Decision TOO_MANY = new Decision(new warden.policy.Verdict.Refuse(
            warden.mail.Reply.of(452, "4.5.3", "too many recipients for one message; send the rest in another"), false),
            java.time.Duration.ZERO, List.of(), List.of());

    private final PolicySession policy;
    private final InetAddress client;
    private final String origin;
    private volatile Instant lastUsed;
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();

    private Decision connect;
    private String heloName;
    private Decision helo;

    // The current transaction.
    private String instance = "";
    private String sender;
    private Decision mail;
    private final List<String> recipients = new ArrayList<>();
    private String lastRecipient;
    private int recipientsJudged;
    private int recipientChars;
    private Decision lastRcpt;
    private Decision data;
    private final Set<String> headersGiven = new HashSet<>();
    private final Set<String> headersPending = new LinkedHashSet<>();

    /**
     * @param policy the engine's session for the client
     * @param client the client's address
     * @param origin the request's {@link PolicyRequest#origin()}: later requests of the same SMTP session carry the same
     * @param now the time of the first request
     */
    PostfixSession(PolicySession policy, InetAddress client, String origin, Instant now) {
        this.policy = policy;
        this.client = client;
        this.origin = origin;
        this.lastUsed = now;
    }

    InetAddress client() { return client; }

    /** Held by the one request being judged for this session (two policy connections may name it). */
    java.util.concurrent.locks.ReentrantLock lock() { return lock; }

    String origin() { return origin; }

    /** The transaction being judged ({@code ""} before MAIL). */
    String instance() { return instance; }

    Instant lastUsed() { return lastUsed; }

    void used(Instant now) { lastUsed = now; }

    /**
     * What one answered decision is: the decision, and whether it was made now (its delay is
     * then to be waited) or repeated from an identical earlier request (no second delay).
     */
    record Judged(Decision decision, boolean fresh) {}

    /**
     * Judges the request's stage, replaying first what the engine has not seen yet.
     *
     * @param r the request
     * @param stage its stage ({@link PolicyRequest#stage()})
     */
    Judged decide(PolicyRequest r, Stage stage) {
        if (!r.instance().equals(instance) && !r.instance().isEmpty()) newTransaction(r.instance());
        boolean freshConnect = connect == null;
        if (freshConnect) connect = policy.decide(snapshot(Stage.CONNECT, r, Optional.empty(), Optional.empty(), List.of()));
        Optional<String> name = r.heloName();
        boolean freshHelo = false;
        if (name.isPresent() && !name.get().equals(heloName)) {
            helo = policy.decide(snapshot(Stage.HELO, r, Optional.empty(), Optional.empty(), List.of()));
            heloName = name.get();
            freshHelo = true;
        }
        boolean freshMail = false;
        if (stage.compareTo(Stage.MAIL) >= 0 && (mail == null || !r.sender().equals(sender))) {
            mail = policy.decide(snapshot(Stage.MAIL, r, Optional.of(r.sender()), Optional.empty(), List.of()));
            sender = r.sender();
            freshMail = true;
        }
        return switch (stage) {
            case CONNECT -> new Judged(connect, freshConnect);
            case HELO -> helo == null ? new Judged(Decision.proceed(), false) : new Judged(helo, freshHelo);
            case MAIL -> new Judged(mail, freshMail);
            case RCPT -> rcpt(r);
            case DATA -> dataStage(r);
        };
    }

    private Judged rcpt(PolicyRequest r) {
        String recipient = r.recipient().orElse("");
        // Postfix asks again for the same recipient when check_policy_service is in two restriction
        // lists evaluated at RCPT (smtpd_delay_reject): one RCPT command, one decision, one delay.
        if (lastRcpt != null && recipient.equals(lastRecipient)) return new Judged(lastRcpt, false);
        if (recipientsJudged >= MAX_RECIPIENTS || recipientChars + recipient.length() > RECIPIENT_CHARS) {
            return new Judged(TOO_MANY, false);
        }
        recipientsJudged++;
        recipientChars += recipient.length();
        Decision d = policy.decide(snapshot(Stage.RCPT, r, Optional.of(r.sender()), Optional.of(recipient), List.copyOf(recipients)));
        lastRecipient = recipient;
        lastRcpt = d;
        if (d.refusal().isEmpty() && !recipient.isEmpty() && !recipients.contains(recipient)) {
            recipients.add(recipient);
        }
        return new Judged(d, true);
    }

    /** DATA and END-OF-MESSAGE are one engine stage: judged once per transaction, the answer repeated. */
    private Judged dataStage(PolicyRequest r) {
        if (data != null) return new Judged(data, false);
        List<String> all = recipients.isEmpty() ? r.recipient().map(List::of).orElse(List.of()) : List.copyOf(recipients);
        data = policy.decide(snapshot(Stage.DATA, r, Optional.of(r.sender()), Optional.empty(), all));
        return new Judged(data, true);
    }

    private void newTransaction(String next) {
        instance = next;
        sender = null;
        mail = null;
        recipients.clear();
        lastRecipient = null;
        lastRcpt = null;
        recipientsJudged = 0;
        recipientChars = 0;
        data = null;
        headersGiven.clear();
        headersPending.clear();
    }

    /**
     * The next header to PREPEND in this transaction: Postfix takes one action per answer, so of
     * the headers decided so far (these and earlier ones not yet given), the first not yet given
     * is given now and the others wait for the next answer. No header is given twice per
     * transaction (the engine repeats a connection's headers at every recipient).
     */
    Optional<String> nextHeader(List<String> decided) {
        for (String h : decided) {
            if (!headersGiven.contains(h)) headersPending.add(h);
        }
        if (headersPending.isEmpty()) return Optional.empty();
        String h = headersPending.iterator().next();
        headersPending.remove(h);
        headersGiven.add(h);
        return Optional.of(h);
    }

    private SessionSnapshot snapshot(Stage stage, PolicyRequest r, Optional<String> reversePath, Optional<String> recipient,
                                     List<String> accepted) {
        InetAddress local = r.serverAddress().orElse(InetAddress.getLoopbackAddress());
        // relayClient false: Postfix decides mynetworks itself (permit_mynetworks before check_policy_service).
        return new SessionSnapshot(stage, client, r.clientPort(), local, Optional.empty(), r.heloVerb(), r.heloName(),
                r.authenticatedUser(), r.tls(), false, reversePath, accepted, recipient, Optional.empty());
    }
}
