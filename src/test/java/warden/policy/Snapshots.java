package warden.policy;

import warden.dns.ClientIdentity;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds {@link SessionSnapshot}s for tests, one dialogue step at a time:
 * {@code Snapshots.client("192.0.2.7").helo("mail.example.net").at(Stage.HELO)}.
 *
 * <p>The server's own address defaults to {@link #OUR_ADDRESS} (TEST-NET-2).
 */
public final class Snapshots {

    public static final String OUR_ADDRESS = "198.51.100.25";

    private final InetAddress client;
    private InetAddress local = ip(OUR_ADDRESS);
    private Optional<ClientIdentity> identity = Optional.empty();
    private Optional<String> verb = Optional.empty();
    private Optional<String> helo = Optional.empty();
    private Optional<String> user = Optional.empty();
    private boolean relay;
    private Optional<String> sender = Optional.empty();
    private final List<String> recipients = new ArrayList<>();

    private Snapshots(InetAddress client) {
        this.client = client;
    }

    public static Snapshots client(String address) {
        return new Snapshots(ip(address));
    }

    public static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public Snapshots local(String address) { local = ip(address); return this; }

    public Snapshots helo(String argument) { return greet("EHLO", argument); }

    public Snapshots greet(String v, String argument) {
        verb = Optional.of(v);
        helo = Optional.of(argument);
        return this;
    }

    public Snapshots identity(ClientIdentity id) { identity = Optional.of(id); return this; }

    /** A client with no PTR record, as DNS says definitely. */
    public Snapshots noPtr() { return identity(new ClientIdentity(client, List.of(), Optional.empty(), false)); }

    /** A client whose PTR name {@code name} is forward-confirmed. */
    public Snapshots fcrdns(String name) { return identity(new ClientIdentity(client, List.of(name), Optional.of(name), false)); }

    /** A client whose PTR name {@code name} does not resolve back to it. */
    public Snapshots ptrOnly(String name) { return identity(new ClientIdentity(client, List.of(name), Optional.empty(), false)); }

    public Snapshots authenticated(String u) { user = Optional.of(u); return this; }

    public Snapshots relay() { relay = true; return this; }

    public Snapshots mail(String reversePath) { sender = Optional.of(reversePath); return this; }

    public SessionSnapshot at(Stage stage) {
        return new SessionSnapshot(stage, client, 40000, local, identity, verb, helo, user, false, relay, sender,
                recipients, Optional.empty(), Optional.empty());
    }

    /** The DATA snapshot for {@code message} (CRLF lines), with the recipients accepted so far. */
    public SessionSnapshot data(String message) {
        return new SessionSnapshot(Stage.DATA, client, 40000, local, identity, verb, helo, user, false, relay, sender,
                recipients, Optional.empty(), Optional.of(warden.message.ReceivedMessage.of(message.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))));
    }

    /** The RCPT snapshot for {@code recipient}; later calls see it among the accepted ones. */
    public SessionSnapshot rcpt(String recipient) {
        SessionSnapshot s = new SessionSnapshot(Stage.RCPT, client, 40000, local, identity, verb, helo, user, false, relay,
                sender, recipients, Optional.of(recipient), Optional.empty());
        recipients.add(recipient);
        return s;
    }
}
