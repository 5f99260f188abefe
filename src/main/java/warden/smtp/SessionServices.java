package warden.smtp;

import warden.delivery.MessageStore;
import warden.dns.Resolver;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.recipient.RecipientVerifier;
import warden.tls.TlsServer;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The collaborators a session uses, injected so that tests, {@code simulate} and the server wire
 * them differently.
 *
 * @param policy the policy engine
 * @param recipients recipient verification and routing
 * @param store durable delivery
 * @param resolver DNS for the client's identity; empty: no lookups
 * @param log the main log
 * @param clock the clock for Received and Delivery-date
 * @param pause how delays are served: the server sleeps, {@code simulate} only reports
 * @param observer sees every policy decision ({@code simulate} prints them)
 * @param tls the TLS server side (certificates from {@code tls.*}); empty: no STARTTLS, no implicit TLS
 * @param auth AUTH and the submission duties: the backend, the throttle, {@code auth.sender_login}
 */
public record SessionServices(PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                              Optional<Resolver> resolver, MainLog log, Clock clock, Pause pause,
                              SessionObserver observer, Optional<TlsServer> tls, warden.smtp.auth.AuthServices auth) {

    /** Services without TLS and without AUTH. */
    public SessionServices(PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                           Optional<Resolver> resolver, MainLog log, Clock clock, Pause pause, SessionObserver observer) {
        this(policy, recipients, store, resolver, log, clock, pause, observer, Optional.empty(), warden.smtp.auth.AuthServices.none());
    }

    /** These services with {@code tls} as the TLS server side (empty: none). */
    public SessionServices withTls(Optional<TlsServer> tls) {
        return new SessionServices(policy, recipients, store, resolver, log, clock, pause, observer, tls, auth);
    }

    /** These services with {@code auth} for AUTH and the submission duties. */
    public SessionServices withAuth(warden.smtp.auth.AuthServices auth) {
        return new SessionServices(policy, recipients, store, resolver, log, clock, pause, observer, tls, auth);
    }

    /** How a policy delay is served. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration delay) throws InterruptedException;

        /** Sleeps; on a virtual thread this holds no OS thread. */
        Pause SLEEP = d -> Thread.sleep(d);
    }
}
