package warden.config;

import java.time.Duration;
import java.util.Locale;

/**
 * The units operators write: durations {@code 45s}, {@code 10m}, {@code 8h}, {@code 60d}
 * (a bare number is seconds) and sizes {@code 512}, {@code 64K}, {@code 10M}, {@code 1G}
 * (binary multiples, as Exim reads them; {@code 25MB} is refused as ambiguous).
 */
public final class Units {

    private Units() {}

    /** @throws IllegalArgumentException with the accepted forms */
    public static Duration duration(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) throw new IllegalArgumentException("empty duration");
        char unit = s.charAt(s.length() - 1);
        String digits = Character.isDigit(unit) ? s : s.substring(0, s.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration");
        }
        if (n < 0) throw new IllegalArgumentException("'" + text + "' is negative");
        return switch (unit) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            case 'w' -> Duration.ofDays(7 * n);
            default -> {
                if (Character.isDigit(unit)) yield Duration.ofSeconds(n);
                throw new IllegalArgumentException("'" + text + "' has an unknown unit '" + unit + "'");
            }
        };
    }

    /** @throws IllegalArgumentException with the accepted forms */
    public static long size(String text) {
        String s = text.strip().toUpperCase(Locale.ROOT);
        if (s.isEmpty()) throw new IllegalArgumentException("empty size");
        if (s.endsWith("B")) {
            // "MB" is 1 000 000 octets to some readers and 1 048 576 to others: say which is meant.
            String bare = s.replaceFirst("I?B$", "").strip();
            throw new IllegalArgumentException("'" + text.strip() + "' is ambiguous: sizes are written without B, "
                    + "in binary multiples" + (bare.matches("\\d+[KMG]") ? ", e.g. " + bare : ""));
        }
        char unit = s.charAt(s.length() - 1);
        long mult = switch (unit) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        String digits = mult == 1 ? s : s.substring(0, s.length() - 1);
        try {
            long n = Long.parseLong(digits.strip());
            if (n < 0) throw new IllegalArgumentException("'" + text + "' is negative");
            return Math.multiplyExact(n, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size");
        }
    }

    /** Formats a size the way operators write it: {@code 512}, {@code 64K}, {@code 25M}, {@code 2G}. */
    public static String formatSize(long octets) {
        if (octets != 0 && octets % (1L << 30) == 0) return octets / (1L << 30) + "G";
        if (octets != 0 && octets % (1L << 20) == 0) return octets / (1L << 20) + "M";
        if (octets != 0 && octets % (1L << 10) == 0) return octets / (1L << 10) + "K";
        return Long.toString(octets);
    }

    /** Formats a duration the way operators write it: {@code 45s}, {@code 10m}, {@code 8h}, {@code 60d}. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s != 0 && s % 86400 == 0) return s / 86400 + "d";
        if (s != 0 && s % 3600 == 0) return s / 3600 + "h";
        if (s != 0 && s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
