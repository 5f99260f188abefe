package warden.door.greylistd;

import warden.greylist.GreylistSettings;
import warden.greylist.NetworkKey;
import warden.greylist.Triplet;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the data words of a greylistd request name, read in the shapes Exim's ACLs send them.
 *
 * <ul>
 *   <li>{@link Delivery}: {@code CLIENT SENDER RECIPIENT}, the RCPT ACL's
 *       {@code $sender_host_address $sender_address $local_part@$domain} (seed 004, Debian's
 *       {@code greylistd-setup-exim4}).</li>
 *   <li>{@link Bounce}: {@code CLIENT RECIPIENT[, RECIPIENT...]}, the DATA ACL's
 *       {@code $sender_host_address $recipients} for the null sender (Exim separates recipients
 *       with a comma and a space), or a triplet whose sender is {@code <>}.</li>
 *   <li>{@link Network}: a client address or network alone (what {@code greylist add} whitelists
 *       with greylistd's {@code singlecheck}).</li>
 *   <li>{@link Text}: anything else; greylistd takes any text as a key.</li>
 * </ul>
 *
 * <p>CLIENT is an address, or a network {@code 192.0.2.0/24} (Debian's {@code -netmask=24} sends
 * {@code ${mask:$sender_host_address/24}}). A quoted local part with a space in it
 * ({@code "john smith"@example.org}) makes more than three words: that request is {@link Text}.
 */
sealed interface Subject {

    /** The store key for {@code add}, {@code delete} and {@code status}: {@code warden greylist}'s keys, and the engine's. */
    String key();

    /**
     * A delivery attempt: client, sender, recipient.
     *
     * @param client the client as sent (an address, or a network with a prefix)
     * @param address the client's address, when it is an address and not a network
     */
    record Delivery(String client, Optional<InetAddress> address, Triplet triplet) implements Subject {
        public String key() { return triplet.key(); }
    }

    /**
     * A bounce (null sender) to one or more recipients, greylisted at DATA over all of them.
     *
     * @param recipients in the order sent
     * @param triplet keyed as the engine keys it at DATA: the recipients lower-cased, sorted, joined by commas
     */
    record Bounce(String client, Optional<InetAddress> address, List<String> recipients, Triplet triplet) implements Subject {
        public Bounce {
            recipients = List.copyOf(recipients);
        }

        public String key() { return triplet.key(); }
    }

    /** A client address or network alone. */
    record Network(NetworkKey network) implements Subject {
        public String key() { return network.text(); }
    }

    /**
     * Free text, keyed apart from triplets and networks: {@value #PREFIX} and the words joined by
     * single spaces. A triplet or network key starts with a digit or a hexadecimal IPv6 group,
     * never with {@code t}, so the two kinds cannot meet.
     */
    record Text(String text) implements Subject {
        /** What every free-text key starts with. */
        static final String PREFIX = "text:";

        public String key() { return PREFIX + text; }
    }

    /** The text of a free-text key, if {@code key} is one. */
    static Optional<String> textOf(String key) {
        return key.startsWith(Text.PREFIX) ? Optional.of(key.substring(Text.PREFIX.length())) : Optional.empty();
    }

    /** Reads the data words of a request (already lower-cased and split). */
    static Subject of(List<String> words, GreylistSettings settings) {
        String first = words.getFirst();
        Optional<NetworkKey> network = network(first, settings);
        Text text = new Text(String.join(" ", words));
        if (network.isEmpty()) return text;
        if (words.size() == 1) return new Network(network.get());
        Optional<InetAddress> address = first.contains("/") ? Optional.empty() : Optional.of(NetworkKey.literal(first));
        try {
            if (words.size() == 3 && !words.get(1).endsWith(",")) {
                Triplet t = Triplet.parse(first, words.get(1), words.get(2), settings.networkIpv4(), settings.networkIpv6());
                if (t.nullSender()) return bounce(first, address, List.of(t.recipient()), settings);
                return new Delivery(first, address, t);
            }
            Optional<List<String>> recipients = recipients(words.subList(1, words.size()));
            if (recipients.isPresent()) return bounce(first, address, recipients.get(), settings);
        } catch (IllegalArgumentException e) {
            return text;
        }
        return text;
    }

    private static Bounce bounce(String client, Optional<InetAddress> address, List<String> recipients, GreylistSettings settings) {
        // As the engine keys a bounce at DATA (the words are lower-cased already).
        List<String> sorted = recipients.stream().sorted().toList();
        Triplet t = Triplet.parse(client, Triplet.NULL_SENDER, String.join(",", sorted), settings.networkIpv4(), settings.networkIpv6());
        return new Bounce(client, address, recipients, t);
    }

    /**
     * {@code a@b} alone, or {@code a@b, c@d, ...} (every word but the last ending in a comma, or
     * commas inside words): the recipients; empty for any other shape.
     */
    private static Optional<List<String>> recipients(List<String> words) {
        if (words.size() > 1) {
            for (int i = 0; i < words.size() - 1; i++) {
                if (!words.get(i).endsWith(",")) return Optional.empty();
            }
        }
        List<String> out = new ArrayList<>();
        for (String r : String.join("", words).split(",", -1)) {
            if (r.isEmpty()) return Optional.empty();
            out.add(r);
        }
        return Optional.of(out);
    }

    /** The first word as a client address or network, if it is one. */
    private static Optional<NetworkKey> network(String word, GreylistSettings settings) {
        try {
            return Optional.of(NetworkKey.parse(word, settings.networkIpv4(), settings.networkIpv6()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
