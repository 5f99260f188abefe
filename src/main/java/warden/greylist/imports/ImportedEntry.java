package warden.greylist.imports;

import warden.greylist.GreylistEntry;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistState;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One entry read from another greylist, under the key Warden would use and aged as Warden ages
 * its own entries.
 *
 * @param key the Warden store key (a triplet key or a client network)
 * @param entry the entry to store
 * @param origin where it was read, for reports: {@code FILE:LINE} or {@code FILE key 'K'}
 */
public record ImportedEntry(String key, GreylistEntry entry, String origin) {

    public ImportedEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(origin, "origin");
    }

    /**
     * An entry expiring when Warden's rules would expire it: a grey triplet at the end of its
     * retry window ({@code greylist.timeout} from its first sighting, as {@code Greylist} never
     * stretches it), everything else {@code greylist.lifetime} after it was last seen.
     */
    static ImportedEntry aged(String key, boolean network, GreylistState state, Instant first, Instant last,
                              long requests, GreylistSettings settings, String origin) {
        Instant expires = state == GreylistState.GREY && !network
                ? first.plus(settings.timeout()) : last.plus(settings.lifetime());
        return new ImportedEntry(key, new GreylistEntry(state, first, last, expires, requests, Duration.ZERO), origin);
    }

    /** Whether Warden would no longer count the entry at {@code now}. */
    boolean expiredAt(Instant now) {
        return entry.expiredAt(now);
    }
}
