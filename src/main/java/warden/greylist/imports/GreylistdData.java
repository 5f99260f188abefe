package warden.greylist.imports;

import warden.greylist.GreylistSettings;
import warden.greylist.NetworkKey;
import warden.greylist.Triplet;

import java.util.Arrays;
import java.util.List;
import warden.mail.AsciiCase;

/**
 * Turns the clear text greylistd kept for a key (its {@code triplets} file) into the key Warden
 * uses for the same request.
 *
 * <p>greylistd keys any text; what it holds depends on the MTA's ACL. The forms the seed's and
 * Debian's Exim ACLs send are understood:
 * <ul>
 *   <li>{@code CLIENT SENDER RECIPIENT} (the RCPT ACL; CLIENT may be {@code ${mask:…/N}}): a triplet;</li>
 *   <li>{@code CLIENT RECIPIENT[, RECIPIENT…]} (the DATA ACL for the null sender, Exim's
 *       {@code $recipients} joined by {@code ", "}): the null sender's triplet over all recipients,
 *       as {@code DialoguePolicy} keys a bounce at DATA (sorted, joined by commas);</li>
 *   <li>{@code CLIENT} alone ({@code singleupdate}, or added by hand): a client network entry.</li>
 * </ul>
 * Anything else (a single word that is no address, four words, a client that is no address) is
 * refused with the reason: mapping it would be a guess.
 *
 * <h2>Standards</h2>
 * greylistd(8) 0.9; greylistd-setup-exim4's ACL (Debian); Exim 4 specification, {@code $recipients}.
 */
final class GreylistdData {

    /** A key Warden can store: a triplet's or a client network's. */
    record Subject(String key, boolean network) {}

    private GreylistdData() {}

    /** The Warden key of greylistd's {@code data}; throws {@link IllegalArgumentException} saying why not. */
    static Subject subject(String data, GreylistSettings settings) {
        List<String> words = Arrays.stream(data.strip().split("\\s+")).filter(w -> !w.isEmpty()).toList();
        if (words.isEmpty()) throw new IllegalArgumentException("the triplet line holds no data");
        String client = words.getFirst();
        String network;
        try {
            network = ClientNetworks.regroup(client, 32, 128, settings).text();
        } catch (IllegalArgumentException e) {
            if (words.size() == 1) {
                throw new IllegalArgumentException("'" + data + "' is neither a client address or network nor a triplet"
                        + " (CLIENT SENDER RECIPIENT)", e);
            }
            throw new IllegalArgumentException("'" + data + "': " + e.getMessage(), e);
        }
        if (words.size() == 1) return new Subject(network, true);
        List<String> rest = words.subList(1, words.size());
        if (words.size() == 2 || rest.stream().anyMatch(w -> w.endsWith(","))) {
            List<String> recipients = Arrays.stream(String.join(" ", rest).split(","))
                    .map(String::strip).filter(r -> !r.isEmpty()).map(AsciiCase::lower).sorted().toList();
            if (recipients.isEmpty() || recipients.stream().anyMatch(r -> r.contains(" "))) {
                throw new IllegalArgumentException("'" + data + "' is neither a triplet nor a client and a list of recipients");
            }
            return new Subject(new Triplet(new NetworkKey(network), "", String.join(",", recipients)).key(), false);
        }
        if (words.size() == 3) {
            return new Subject(new Triplet(new NetworkKey(network), words.get(1), words.get(2)).key(), false);
        }
        throw new IllegalArgumentException("'" + data + "' has " + words.size() + " words; greylistd's Exim ACL sends"
                + " CLIENT SENDER RECIPIENT, and another key cannot be mapped to Warden's");
    }
}
