package warden.greylist;

import java.util.Locale;

/**
 * The three lists an entry can be on, as in greylistd: white (let through), grey (defer until
 * the delay has passed) and black (deny).
 *
 * <p>For a client-network entry (the auto-whitelist), grey means "passes are being counted".
 */
public enum GreylistState {
    WHITE, GREY, BLACK;

    /** The lower-case name used on the command line, in stores and in JSON. */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** Parses {@code white}, {@code grey} or {@code black} in any case. */
    public static GreylistState parse(String label) {
        for (GreylistState s : values()) {
            if (s.label().equalsIgnoreCase(label)) return s;
        }
        throw new IllegalArgumentException("'" + label + "' is not a greylist state: use white, grey or black");
    }
}
