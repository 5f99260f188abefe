package warden.greylist;

import warden.mail.AsciiCase;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * The greylisting triplet: client network, envelope sender and envelope recipient.
 *
 * <p>Addresses are taken as the session parsed them, quoted local parts and their spaces
 * included. Both are lower-cased, as greylistd does with the whole request, so that
 * {@code ALICE@example.org} retrying as {@code alice@example.org} still matches. The null
 * reverse path is the empty string and appears as {@code <>} in the key.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.2 (the null reverse path), RFC 6647 section 2.
 *
 * <p>It does not normalise VERP, BATV or {@code +extension} senders; that belongs to a later
 * sender-normalisation step.
 *
 * @param network the client's network
 * @param sender the envelope sender without angle brackets, {@code ""} for the null sender
 * @param recipient the envelope recipient without angle brackets
 */
public record Triplet(NetworkKey network, String sender, String recipient) {

    /** How the null sender is written in keys and on the command line. */
    public static final String NULL_SENDER = "<>";

    public Triplet {
        Objects.requireNonNull(network, "network");
        sender = folded(bare(sender));
        recipient = folded(bare(recipient));
        if (sender.equals(NULL_SENDER)) sender = "";
        // No rule against spaces: a quoted local part may hold them (RFC 5321 4.1.2,
        // <"john smith"@example.org>), and refusing the triplet deferred such mail forever.
        if (recipient.isEmpty()) throw new IllegalArgumentException("a triplet needs a recipient");
    }

    /**
     * An address in the case its key uses: the local part with ASCII letters folded only (a
     * KELVIN SIGN is not a {@code k}, as the router sees it: {@link AsciiCase}), the domain lower-cased.
     */
    private static String folded(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? AsciiCase.lower(address)
                : AsciiCase.lower(address.substring(0, at)) + address.substring(at).toLowerCase(Locale.ROOT);
    }

    /** The triplet of a client address, grouped by the given prefixes. */
    public static Triplet of(InetAddress client, String sender, String recipient, int ipv4Prefix, int ipv6Prefix) {
        return new Triplet(NetworkKey.of(client, ipv4Prefix, ipv6Prefix), sender, recipient);
    }

    /**
     * Parses the three words greylistd's {@code greylist} tool takes: client (address or
     * network), sender ({@code <>} for the null sender) and recipient.
     */
    public static Triplet parse(String client, String sender, String recipient, int ipv4Prefix, int ipv6Prefix) {
        return new Triplet(NetworkKey.parse(client, ipv4Prefix, ipv6Prefix), sender, recipient);
    }

    /**
     * The store key: {@code 192.0.2.0/24 alice@example.org bob@example.net}. The three parts are
     * separated by spaces; a space inside an address can only be inside its quoted local part
     * ({@code "john smith"@example.org}), so the key stays unambiguous.
     */
    public String key() {
        return network.text() + " " + (sender.isEmpty() ? NULL_SENDER : sender) + " " + recipient;
    }

    public boolean nullSender() { return sender.isEmpty(); }

    private static String bare(String address) {
        Objects.requireNonNull(address, "address");
        String a = address.strip();
        if (a.length() >= 2 && a.startsWith("<") && a.endsWith(">") && !a.equals(NULL_SENDER)) {
            a = a.substring(1, a.length() - 1);
        }
        return a;
    }

    @Override
    public String toString() { return key(); }
}
