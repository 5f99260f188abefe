package warden.outbound;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.mail.ClientText;
import warden.outbound.HopResolver.Candidate;
import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Delivers over SMTP: finds the hosts of a {@link Destination} ({@link HopResolver}), tries them
 * in order until one takes the conversation, and sends the message there ({@link MessageSender}),
 * reusing a connection left open by the last message to the same destination.
 *
 * <p>Each host is greeted with EHLO and our configured host name, always (seed 000: a bounce
 * that greeted with an empty HELO got a server blacklisted), with HELO when EHLO is refused.
 * STARTTLS is used whenever offered, with any certificate; when the handshake fails the host is
 * connected to again and the message goes in clear. AUTH is used only for a destination that asks
 * for it, only over TLS, and only with credentials for the host: lacking either, the message is
 * deferred with the reason, and the password never goes out in clear.
 *
 * <p>The next host is tried when a connection cannot be made or times out, or when the greeting
 * or EHLO is refused (421, any 4xx, or a 5xx from a host that is not the last). Once a
 * transaction has begun, its replies are the answer for this attempt. Never throws: every
 * recipient gets an {@link Outcome}.
 *
 * <h2>Standards</h2>
 * RFC 5321 (3.2 EHLO and HELO, 4.2 replies, 4.5.3.2 timeouts, 5.1 trying hosts in order, 3.8 a
 * 421 ends the session), RFC 3207 (STARTTLS), RFC 4954 (AUTH), RFC 7435 (opportunistic TLS),
 * RFC 3463 (4.4.1 no answer from host, 4.4.2 bad connection, 4.7.0 security, 4.3.5 configuration).
 *
 * <p>Not done: DANE and MTA-STS; remembering hosts whose TLS is broken (each attempt tries again
 * and falls back); a per-host (rather than per-destination) connection cache.
 */
public final class SmtpTransport implements Transport, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpTransport.class);

    private final String hostname;
    private final HopResolver resolver;
    private final CredentialSource credentials;
    private final SmtpTimeouts timeouts;
    private final IdleConnections idle;

    /**
     * @param hostname our configured FQDN, the EHLO/HELO name
     * @param resolver where a destination's hosts are found
     * @param credentials AUTH credentials by relay host
     * @param timeouts per step
     * @param idleTime how long a connection is kept for the next message to its destination (zero: never)
     * @param idlePerDestination how many connections per destination are kept
     */
    public SmtpTransport(String hostname, HopResolver resolver, CredentialSource credentials, SmtpTimeouts timeouts,
                         Duration idleTime, int idlePerDestination) {
        if (hostname == null || hostname.isBlank() || !hostname.strip().equals(hostname)) {
            throw new IllegalArgumentException("the EHLO name must be our configured host name, not \"" + hostname + "\"");
        }
        this.hostname = hostname;
        this.resolver = resolver;
        this.credentials = credentials;
        this.timeouts = timeouts;
        this.idle = new IdleConnections(idleTime, Duration.ofMinutes(5), idlePerDestination, 1000);
    }

    /** RFC 5321 timeouts; an idle connection kept 5 s, up to 10 per destination. */
    public SmtpTransport(String hostname, HopResolver resolver, CredentialSource credentials) {
        this(hostname, resolver, credentials, SmtpTimeouts.RFC_5321, Duration.ofSeconds(5), 10);
    }

    @Override
    public List<Outcome> deliver(Destination destination, QueuedMessage message, List<QueuedRecipient> recipients) {
        if (recipients.isEmpty()) return List.of();
        try {
            return attempt(destination, message, recipients);
        } catch (Throwable e) { // never out of deliver: the queue's worker must go on
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            LOG.warn("delivery of {} to {} failed unexpectedly", message.id(), destination.key(), e);
            return all(recipients, Outcome.Kind.DEFERRED, Optional.empty(), Optional.empty(), 0, "4.3.0",
                    "internal error: " + ClientText.ascii(String.valueOf(e), 300), "");
        }
    }

    private List<Outcome> attempt(Destination destination, QueuedMessage message, List<QueuedRecipient> recipients) {
        SmtpClient reused = idle.take(destination.key());
        if (reused != null) {
            MessageSender.Sent sent = MessageSender.send(reused, message, recipients);
            if (!sent.unanswered()) return kept(destination, reused, sent);
            // The server let the kept connection go between RSET and MAIL: a fresh one tries now.
        }

        HopResolver.Resolution resolution = resolver.resolve(destination);
        return switch (resolution) {
            case HopResolver.Fail f -> all(recipients, Outcome.Kind.FAILED, Optional.empty(), Optional.empty(), 0,
                    f.status(), ClientText.escape(f.text()), "");
            case HopResolver.TempFail t -> all(recipients, Outcome.Kind.DEFERRED, Optional.empty(), Optional.empty(), 0,
                    t.status(), ClientText.escape(t.text()), "");
            case HopResolver.Candidates c -> throughCandidates(destination, c.candidates(), message, recipients);
        };
    }

    private List<Outcome> throughCandidates(Destination destination, List<Candidate> candidates, QueuedMessage message,
                                            List<QueuedRecipient> recipients) {
        Refusal last = null;
        for (int i = 0; i < candidates.size(); i++) {
            Candidate candidate = candidates.get(i);
            Opened opened = open(destination, candidate, true);
            if (opened instanceof Ready ready) return send(destination, ready.client(), message, recipients);
            last = (Refusal) opened;
            boolean finalHost = i == candidates.size() - 1;
            if (!finalHost) {
                LOG.debug("{}: trying the next host after {}", destination.key(), last.text());
            }
        }
        // Every host refused: a 5xx from the last one is an answer; anything else is "try later".
        Outcome.Kind kind = last.permanent() ? Outcome.Kind.FAILED : Outcome.Kind.DEFERRED;
        return all(recipients, kind, last.host(), last.address(), last.code(), last.status(), last.text(), last.after());
    }

    private List<Outcome> send(Destination destination, SmtpClient client, QueuedMessage message,
                               List<QueuedRecipient> recipients) {
        return kept(destination, client, MessageSender.send(client, message, recipients));
    }

    private List<Outcome> kept(Destination destination, SmtpClient client, MessageSender.Sent sent) {
        if (sent.reusable()) idle.put(destination.key(), client);
        else client.close();
        return sent.outcomes();
    }

    /** What opening a connection to one host came to. */
    private sealed interface Opened permits Ready, Refusal {}

    /** Greeted (and encrypted and authenticated where that applies): ready for MAIL. */
    private record Ready(SmtpClient client) implements Opened {}

    /**
     * This host will not take the message now; {@code code} 0 when no reply said so.
     *
     * @param permanent the host's answer is a refusal of the message, should it be the last host
     */
    private record Refusal(Optional<String> host, Optional<InetAddress> address, int code, String status, String text,
                           String after, boolean permanent) implements Opened {}

    /** Connects, reads the greeting, EHLO, STARTTLS when offered (and allowed), AUTH when asked for. */
    private Opened open(Destination destination, Candidate candidate, boolean tryTls) {
        Optional<Credentials> login = Optional.empty();
        if (destination.authenticate()) {
            login = credentialsFor(destination, candidate);
            if (login.isEmpty()) {
                return refusal(candidate, false, 0, "4.3.5", "no credentials for " + ClientText.escape(candidate.host())
                        + " in smarthost_credentials: not delivering to a relay that wants AUTH without them", "connect");
            }
        }
        SmtpClient client;
        try {
            client = SmtpClient.connect(candidate, timeouts);
        } catch (IOException e) {
            return refusal(candidate, false, 0, "4.4.1", "connect to " + where(candidate) + ": "
                    + ClientText.ascii(String.valueOf(e.getMessage()), 200), "connect");
        }
        String step = "connect";
        try {
            PeerReply r = client.greeting();
            if (!r.positive()) return refused(client, r, step);
            step = "EHLO " + hostname;
            r = client.ehlo(hostname);
            if (r.permanentFailure()) {
                step = "HELO " + hostname;
                r = client.helo(hostname);
            }
            if (!r.positive()) return refused(client, r, step);
            if (tryTls && client.extensions().has("STARTTLS")) {
                step = "STARTTLS";
                try {
                    r = client.startTls();
                } catch (SmtpClient.TlsHandshakeFailed e) {
                    String why = ClientText.ascii(String.valueOf(e.getMessage()), 200);
                    if (login.isPresent()) {
                        return refusal(candidate, true, 0, "4.7.0", "TLS with " + where(candidate) + " failed (" + why
                                + "): not sending the password in clear", step);
                    }
                    LOG.info("{}: {}; delivering in clear", where(candidate), why);
                    return open(destination, candidate, false);
                }
                if (r.code() == 421) return refused(client, r, step);
                if (r.code() == 220) {
                    step = "EHLO " + hostname;
                    r = client.ehlo(hostname); // RFC 3207 4.2: forget what was offered in clear, ask again
                    if (!r.positive()) return refused(client, r, step);
                }
                // Any other answer to STARTTLS: go on in clear on this connection (RFC 3207 4).
            }
            if (login.isPresent()) {
                if (client.tls().isEmpty()) {
                    client.quit(Duration.ofSeconds(2));
                    return refusal(candidate, true, 0, "4.7.0", ClientText.escape(candidate.host())
                            + " offers no TLS: not sending the password in clear", step);
                }
                if (client.extensions().authMechanisms().contains("PLAIN")
                        || client.extensions().authMechanisms().contains("LOGIN")) {
                    step = "AUTH";
                    r = client.authenticate(login.get());
                    if (r.code() != 235) {
                        client.quit(Duration.ofSeconds(2));
                        // Even a 535: a wrong password is ours to fix, and the mail waits for it.
                        return new Refusal(Optional.of(candidate.host()), Optional.of(candidate.address()),
                                r.code(), r.status(), "authentication failed: " + r.text(), step, false);
                    }
                }
                // No AUTH offered, though over TLS: carry on without (as Exim's hosts_try_auth).
            }
            return new Ready(client);
        } catch (IOException e) {
            client.close();
            String what = e instanceof SocketTimeoutException ? "timeout" : "connection lost";
            return refusal(candidate, true, 0, "4.4.2", what + " with " + where(candidate) + " after " + step + ": "
                    + ClientText.ascii(String.valueOf(e.getMessage()), 200), step);
        }
    }

    private Optional<Credentials> credentialsFor(Destination destination, Candidate candidate) {
        Optional<Credentials> c = credentials.lookup(candidate.host());
        for (NextHop hop : destination.hops()) {
            if (c.isPresent()) return c;
            c = credentials.lookup(hop.host());
        }
        return c;
    }

    private Refusal refused(SmtpClient client, PeerReply r, String step) {
        client.quit(Duration.ofSeconds(2));
        return new Refusal(Optional.of(client.candidate().host()), Optional.of(client.candidate().address()),
                r.code(), r.status(), r.text(), step, r.permanentFailure());
    }

    private static Refusal refusal(Candidate candidate, boolean reached, int code, String status, String text, String after) {
        return new Refusal(reached ? Optional.of(candidate.host()) : Optional.empty(),
                reached ? Optional.of(candidate.address()) : Optional.empty(), code, status, text, after, false);
    }

    private static String where(Candidate c) {
        return ClientText.escape(c.host()) + " [" + c.address().getHostAddress() + "]:" + c.port();
    }

    private static List<Outcome> all(List<QueuedRecipient> recipients, Outcome.Kind kind, Optional<String> host,
                                     Optional<InetAddress> address, int code, String status, String text, String after) {
        List<Outcome> out = new ArrayList<>(recipients.size());
        for (QueuedRecipient r : recipients) {
            out.add(new Outcome(kind, r.address(), host, address, Optional.empty(), code, status, text, after, false));
        }
        return out;
    }

    /** Says QUIT to every connection kept open. */
    @Override
    public void close() {
        idle.close();
    }
}
