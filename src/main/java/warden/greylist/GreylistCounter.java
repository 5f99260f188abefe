package warden.greylist;

import java.util.Locale;

/**
 * The statistics a greylist store keeps across restarts, in the spirit of greylistd's
 * {@code stats}: how many triplets entered the grey list, how many of them were promoted, and
 * how many decisions passed, deferred or denied mail.
 */
public enum GreylistCounter {
    /** A triplet was seen for the first time (or again after its entry expired). */
    GREYLISTED,
    /** A grey triplet was retried in its window and moved to the white list. */
    PROMOTED,
    /** A decision let mail through. */
    PASSED,
    /** A decision deferred mail (451). */
    DEFERRED,
    /** A decision denied mail because of a black entry (550). */
    DENIED;

    /** The lower-case name used in stores and in JSON. */
    public String label() { return name().toLowerCase(Locale.ROOT); }
}
