package warden.greylist.imports;

import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;
import warden.greylist.NetworkKey;
import warden.greylist.Triplet;
import warden.mail.ClientText;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads postgrey's Berkeley DB files (through {@link BerkeleyDump}) as Warden entries.
 *
 * <p>{@code postgrey.db} maps {@code NET/SENDER/RECIPIENT} (lower-cased; NET the client's network
 * address, {@code 192.0.2.0} or {@code 2001:db8:1:2:0:0:0:0}, or with {@code --lookup-by-host}
 * the address with its prefix, {@code 192.0.2.10/32}) to {@code FIRST,LAST} in epoch seconds.
 * postgrey rewrites LAST on every request and never records a pass otherwise, so its own rule
 * tells the state: a triplet has passed once {@code LAST - FIRST >= delay} (white), else it is
 * still waiting (grey). postgrey counts no requests: a white entry is stored as 2 (the first
 * attempt and the retry that passed), a grey one as 1, the least they can have had.
 *
 * <p>{@code postgrey_clients.db} (the client auto-whitelist) maps a full client address to
 * {@code COUNT,LAST}; a client with {@code COUNT >= --auto-whitelist-clients} was whitelisted
 * and becomes a white network entry (Warden whitelists the client's network, as its own
 * auto-whitelist does); one below it becomes a counting (grey) network entry when Warden's
 * {@code greylist.auto_whitelist} is on, so the count carries on.
 *
 * <p>Lost, counted and explained, never guessed: keys hashed by {@code --privacy} (SHA-1), and
 * triplets whose sender postgrey rewrote from digits to {@code #} (VERP): Warden keys the sender
 * as sent, so such a key would never match. postgrey also dropped {@code +extension} and BATV
 * tags; those keys are kept and match the plain sender only.
 *
 * <h2>Standards</h2>
 * postgrey(8) 1.37 ({@code smtpd_access_policy}, {@code do_sender_substitutions}).
 *
 * @param delay postgrey's {@code --delay} (default 300 s), which tells white from grey
 * @param ipv4cidr postgrey's {@code --ipv4cidr} (default 24)
 * @param ipv6cidr postgrey's {@code --ipv6cidr} (default 64)
 * @param autoWhitelistClients postgrey's {@code --auto-whitelist-clients} (default 5; 0: off)
 */
public record PostgreyDatabase(Duration delay, int ipv4cidr, int ipv6cidr, int autoWhitelistClients) {

    /** postgrey 1.37's defaults. */
    public static PostgreyDatabase defaults() {
        return new PostgreyDatabase(Duration.ofSeconds(300), 24, 64, 5);
    }

    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern TIMES = Pattern.compile("(\\d{1,12}),(\\d{1,12})(,.*)?");
    private static final Pattern VERP = Pattern.compile("(^|\\W)#(\\W|$)");
    private static final String PRIVACY = "are SHA-1 digests (postgrey --privacy): what they stood for cannot be recovered";

    /**
     * Reads {@code postgrey.db} and, if present, {@code postgrey_clients.db} from {@code dbdir}
     * with the {@code db_dump} program given. Throws {@link NoSuchFileException} when there is no
     * {@code postgrey.db}.
     */
    public ImportReport read(String dbDump, Path dbdir, GreylistSettings settings, Instant now) throws IOException {
        Path triplets = dbdir.resolve("postgrey.db");
        if (!Files.exists(triplets)) throw new NoSuchFileException(triplets.toString());
        ImportReport report = new ImportReport("postgrey " + dbdir);
        for (Map.Entry<String, String> pair : BerkeleyDump.read(dbDump, dbdir, "postgrey.db")) {
            report.read();
            triplet(report, triplets + " key '" + ClientText.ascii(pair.getKey(), 200) + "'", pair.getKey(), pair.getValue(), settings, now);
        }
        if (Files.exists(dbdir.resolve("postgrey_clients.db"))) {
            Path clients = dbdir.resolve("postgrey_clients.db");
            for (Map.Entry<String, String> pair : BerkeleyDump.read(dbDump, dbdir, "postgrey_clients.db")) {
                report.read();
                client(report, clients + " key '" + ClientText.ascii(pair.getKey(), 200) + "'", pair.getKey(), pair.getValue(), settings, now);
            }
        }
        return report;
    }

    private void triplet(ImportReport report, String where, String key, String value, GreylistSettings settings, Instant now) {
        Matcher times = times(report, where, key, value, "FIRST,LAST (epoch seconds)");
        if (times == null) return;
        String[] parts = split(key);
        if (parts == null) {
            report.notImported(where + ": not NET/SENDER/RECIPIENT as postgrey 1.37 writes");
            return;
        }
        String sender = parts[1];
        if (VERP.matcher(sender.substring(0, Math.max(0, sender.lastIndexOf('@')))).find()) {
            report.lost("have a sender postgrey rewrote (digits to #, for VERP); Warden keys the sender as sent,"
                    + " so they would never match");
            return;
        }
        Triplet triplet;
        try {
            NetworkKey network = ClientNetworks.regroup(parts[0], ipv4cidr, ipv6cidr, settings);
            triplet = new Triplet(network, sender, parts[2]);
        } catch (IllegalArgumentException e) {
            report.notImported(where + ": " + ClientText.ascii(e.getMessage(), 200));
            return;
        }
        Instant first = Instant.ofEpochSecond(Long.parseLong(times.group(1)));
        Instant last = Instant.ofEpochSecond(Long.parseLong(times.group(2)));
        if (first.isAfter(now)) first = now; // postgrey corrects a first sighting in the future the same way
        boolean passed = Duration.between(first, last).compareTo(delay) >= 0;
        keep(report, ImportedEntry.aged(triplet.key(), false, passed ? GreylistState.WHITE : GreylistState.GREY,
                first, last, passed ? 2 : 1, settings, where), now);
    }

    private void client(ImportReport report, String where, String key, String value, GreylistSettings settings, Instant now) {
        Matcher times = times(report, where, key, value, "COUNT,LAST");
        if (times == null) return;
        long count = Long.parseLong(times.group(1));
        Instant last = Instant.ofEpochSecond(Long.parseLong(times.group(2)));
        boolean whitelisted = autoWhitelistClients > 0 && count >= autoWhitelistClients;
        if (!whitelisted && settings.autoWhitelist() == 0) {
            report.lost("are clients postgrey had not yet auto-whitelisted, and greylist.auto_whitelist is off in Warden");
            return;
        }
        NetworkKey network;
        try {
            network = ClientNetworks.regroup(key, 32, 128, settings);
        } catch (IllegalArgumentException e) {
            report.notImported(where + ": " + ClientText.ascii(e.getMessage(), 200));
            return;
        }
        // postgrey keeps no first sighting for a client: its last is the earliest time known.
        keep(report, ImportedEntry.aged(network.text(), true, whitelisted ? GreylistState.WHITE : GreylistState.GREY,
                last, last, count, settings, where), now);
    }

    /** The value's two numbers, or null when the key is a digest (lost) or the value malformed (reported). */
    private static Matcher times(ImportReport report, String where, String key, String value, String format) {
        if (DIGEST.matcher(key).matches()) {
            report.lost(PRIVACY);
            return null;
        }
        Matcher times = TIMES.matcher(value);
        if (times.matches()) return times;
        report.malformed(where + ": value '" + ClientText.ascii(value, 100) + "' is not " + format + " as postgrey writes;"
                + " delete the key (db5.3_dump, edit, db5.3_load) or let postgrey rewrite it");
        return null;
    }

    private static void keep(ImportReport report, ImportedEntry entry, Instant now) {
        if (entry.expiredAt(now)) {
            report.lost("had expired under Warden's greylist settings (grey: greylist.timeout after the first sighting;"
                    + " white and black: greylist.lifetime after the last)");
        } else {
            report.add(entry);
        }
    }

    /**
     * {@code NET/SENDER/RECIPIENT} split in three, or null. NET may carry a prefix
     * ({@code --lookup-by-host}); the null sender is empty; a sender's domain holds no slash, so
     * the first slash after its {@code @} ends it.
     */
    static String[] split(String key) {
        int slash = key.indexOf('/');
        if (slash < 0) return null;
        String net = key.substring(0, slash);
        String rest = key.substring(slash + 1);
        Matcher prefix = Pattern.compile("(\\d{1,3})/(.*)", Pattern.DOTALL).matcher(rest);
        if (prefix.matches()) {
            net = net + "/" + prefix.group(1);
            rest = prefix.group(2);
        }
        if (rest.startsWith("/")) return rest.length() > 1 ? new String[] {net, "", rest.substring(1)} : null;
        int at = rest.indexOf('@');
        int end = rest.indexOf('/', Math.max(at, 0));
        if (end <= 0 || end == rest.length() - 1) return null;
        return new String[] {net, rest.substring(0, end), rest.substring(end + 1)};
    }
}
