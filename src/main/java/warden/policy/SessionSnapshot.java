package warden.policy;

import warden.dns.ClientIdentity;
import warden.message.ReceivedMessage;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Everything known about one SMTP session at one stage, as an immutable value.
 *
 * <p>The SMTP session builds one at every stage and hands it to the {@link PolicySession}; the
 * other front doors (simulate, check-helo, the Postfix and Exim adapters) build them from their
 * own input. Checks read it and nothing else.
 *
 * @param stage the stage being decided
 * @param clientAddress the client's address (after PROXY protocol, if any)
 * @param clientPort the client's port
 * @param localAddress the address the client connected to
 * @param identity the client's DNS identity, when it was looked up
 * @param heloVerb {@code HELO} or {@code EHLO}, empty before any greeting
 * @param heloName the greeting's argument as sent (may be empty string), empty before any greeting
 * @param authenticatedUser the SASL user, if the client authenticated
 * @param tls whether the session is protected by TLS
 * @param relayClient whether the client is in {@code relay_networks}
 * @param reversePath the MAIL FROM address without brackets ({@code ""} for the null sender), empty before MAIL
 * @param recipients the recipients accepted so far in this transaction
 * @param recipient the recipient being decided at RCPT, empty at other stages
 * @param message the message as received (headers and body, CRLF lines), at DATA only; checks read
 *        its bounded {@link ReceivedMessage#header() header}
 */
public record SessionSnapshot(
        Stage stage,
        InetAddress clientAddress,
        int clientPort,
        InetAddress localAddress,
        Optional<ClientIdentity> identity,
        Optional<String> heloVerb,
        Optional<String> heloName,
        Optional<String> authenticatedUser,
        boolean tls,
        boolean relayClient,
        Optional<String> reversePath,
        List<String> recipients,
        Optional<String> recipient,
        Optional<ReceivedMessage> message) {

    public SessionSnapshot {
        recipients = List.copyOf(recipients);
    }

    public boolean authenticated() { return authenticatedUser.isPresent(); }

    public boolean nullSender() { return reversePath.map(String::isEmpty).orElse(false); }
}
