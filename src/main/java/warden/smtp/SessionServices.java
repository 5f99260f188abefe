package warden.smtp;

import warden.delivery.MessageStore;
import warden.dns.Resolver;
import warden.log.MainLog;
import warden.policy.PolicyEngine;
import warden.recipient.RecipientVerifier;

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
 * @param auth AUTH and the submission duties: the backend, the throttle, {@code auth.sender_login}
 */
public record SessionServices(PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                              Optional<Resolver> resolver, MainLog log, Clock clock, Pause pause,
                              SessionObserver observer, warden.smtp.auth.AuthServices auth) {

    /** Without AUTH (nothing offered). */
    public SessionServices(PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                           Optional<Resolver> resolver, MainLog log, Clock clock, Pause pause, SessionObserver observer) {
        this(policy, recipients, store, resolver, log, clock, pause, observer, warden.smtp.auth.AuthServices.none());
    }

    /** These services with {@code auth} for AUTH and the submission duties. */
    public SessionServices withAuth(warden.smtp.auth.AuthServices auth) {
        return new SessionServices(policy, recipients, store, resolver, log, clock, pause, observer, auth);
    }

    /** How a policy delay is served. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration delay) throws InterruptedException;

        /** Sleeps; on a virtual thread this holds no OS thread. */
        Pause SLEEP = d -> Thread.sleep(d);
    }
}
