package warden.door.postfix;

import warden.mail.Cidr;
import warden.policy.Stage;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;

/**
 * One Postfix SMTPD access policy request: the attributes as sent, read by name.
 *
 * <p>Every attribute Postfix sends is understood (SMTPD_POLICY_README, "Protocol description";
 * the version that added each in brackets): {@code request}, {@code protocol_state},
 * {@code protocol_name}, {@code helo_name}, {@code queue_id}, {@code sender}, {@code recipient},
 * {@code recipient_count}, {@code client_address}, {@code client_name},
 * {@code reverse_client_name}, {@code instance} (2.1); {@code sasl_method},
 * {@code sasl_username}, {@code sasl_sender}, {@code size}, {@code ccert_subject},
 * {@code ccert_issuer}, {@code ccert_fingerprint} (2.2); {@code encryption_protocol},
 * {@code encryption_cipher}, {@code encryption_keysize}, {@code etrn_domain} (2.3);
 * {@code stress} (2.5); {@code ccert_pubkey_fingerprint} (2.9); {@code client_port} (3.0);
 * {@code policy_context} (3.1); {@code server_address}, {@code server_port} (3.2);
 * {@code compatibility_level}, {@code mail_version} (3.8). Warden's engine uses the address,
 * port, greeting, sender, recipient, SASL login and TLS protocol; the others are read for the log
 * or not at all. Unknown attributes are ignored. A missing attribute and an empty one mean the
 * same ("not available"), as Postfix sends either.
 *
 * <p>{@code client_name} and {@code reverse_client_name} are deliberately <em>not</em> used:
 * Postfix writes {@code unknown} both when the client has no name and when the lookup failed
 * temporarily, so a check built on them would turn a DNS tempfail into a permanent refusal. The
 * engine looks the client up itself, with its own resolver, where a tempfail stays a tempfail.
 */
record PolicyRequest(Map<String, String> attributes) {

    static final String SMTPD_ACCESS_POLICY = "smtpd_access_policy";

    PolicyRequest {
        attributes = Map.copyOf(attributes);
    }

    /** The attribute's value, {@code ""} when it was not sent. */
    String get(String name) {
        return attributes.getOrDefault(name, "");
    }

    /** {@code protocol_state}, upper-cased: CONNECT, EHLO, HELO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY, ETRN. */
    String protocolState() {
        return get("protocol_state").strip().toUpperCase(java.util.Locale.ROOT);
    }

    /** The engine's stage for {@code protocol_state}; empty for VRFY, ETRN and states Warden does not judge. */
    Optional<Stage> stage() {
        return switch (protocolState()) {
            case "CONNECT" -> Optional.of(Stage.CONNECT);
            case "EHLO", "HELO" -> Optional.of(Stage.HELO);
            case "MAIL" -> Optional.of(Stage.MAIL);
            case "RCPT" -> Optional.of(Stage.RCPT);
            case "DATA", "END-OF-MESSAGE" -> Optional.of(Stage.DATA);
            default -> Optional.empty();
        };
    }

    /** Whether this is the request after the message content (no PREPEND is possible there). */
    boolean endOfMessage() {
        return protocolState().equals("END-OF-MESSAGE");
    }

    /** {@code client_address} as an address, parsed as a literal (never looked up); empty if it is none. */
    Optional<InetAddress> clientAddress() {
        String text = get("client_address").strip();
        if (text.regionMatches(true, 0, "ipv6:", 0, 5)) text = text.substring(5);
        return Optional.ofNullable(text.isEmpty() ? null : Cidr.literal(text));
    }

    /** {@code client_port} (Postfix 3.0+), 0 when absent or not a port. */
    int clientPort() {
        return port(get("client_port"));
    }

    /** {@code server_address} (Postfix 3.2+), parsed as a literal; empty when absent. */
    Optional<InetAddress> serverAddress() {
        String text = get("server_address").strip();
        return Optional.ofNullable(text.isEmpty() ? null : Cidr.literal(text));
    }

    /**
     * The SMTP connection this request is about, as far as Postfix tells it: client address and
     * port, server address and port. Requests of one SMTP session over one policy connection carry
     * the same value; with a client port (Postfix 3.0+) no other session does at the same time.
     */
    String origin() {
        return get("client_address") + " " + get("client_port") + " " + get("server_address") + " " + get("server_port");
    }

    /** Whether {@link #origin()} names the client's port, so that it tells one SMTP connection from another. */
    boolean originHasPort() {
        return clientPort() > 0;
    }

    /** {@code instance}: one mail transaction (Postfix makes a new one at every MAIL FROM); empty before MAIL. */
    String instance() {
        return get("instance");
    }

    /** {@code helo_name}, empty when the client has not greeted. */
    Optional<String> heloName() {
        String h = get("helo_name");
        return h.isEmpty() ? Optional.empty() : Optional.of(h);
    }

    /** {@code HELO} or {@code EHLO}, from {@code protocol_name} ({@code SMTP} or {@code ESMTP}); empty before a greeting. */
    Optional<String> heloVerb() {
        if (heloName().isEmpty()) return Optional.empty();
        return Optional.of(get("protocol_name").toUpperCase(java.util.Locale.ROOT).startsWith("ESMTP") ? "EHLO" : "HELO");
    }

    /** {@code sender}: the reverse path, {@code ""} for the null sender. */
    String sender() {
        return get("sender");
    }

    /** {@code recipient}, empty at DATA unless exactly one recipient was accepted. */
    Optional<String> recipient() {
        String r = get("recipient");
        return r.isEmpty() ? Optional.empty() : Optional.of(r);
    }

    /** {@code sasl_username}, when the client authenticated. */
    Optional<String> authenticatedUser() {
        String u = get("sasl_username");
        return u.isEmpty() ? Optional.empty() : Optional.of(u);
    }

    /** Whether the SMTP session is under TLS: {@code encryption_protocol} is set (e.g. {@code TLSv1.3}). */
    boolean tls() {
        return !get("encryption_protocol").isEmpty();
    }

    private static int port(String text) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > 5 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) return 0;
        int p = Integer.parseInt(t);
        return p <= 65535 ? p : 0;
    }
}
