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
 */
public record SessionServices(PolicyEngine policy, RecipientVerifier recipients, MessageStore store,
                              Optional<Resolver> resolver, MainLog log, Clock clock, Pause pause,
                              SessionObserver observer) {

    /** How a policy delay is served. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration delay) throws InterruptedException;

        /** Sleeps; on a virtual thread this holds no OS thread. */
        Pause SLEEP = d -> Thread.sleep(d);
    }
}
