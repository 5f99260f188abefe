package warden.greylist.imports;

import warden.mail.ClientText;
import warden.policy.HostList;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Converts greylistd's and postgrey's whitelist files into Warden's {@code whitelist_hosts} format
 * ({@link HostList}: addresses, CIDR networks, host names with {@code *}), line by line, naming
 * every line it cannot take with its file, line number and reason.
 *
 * <p>greylistd's {@code whitelist-hosts} is an Exim host list (greylistd never reads it; Exim's
 * ACL does, {@code !hosts = …}): addresses, {@code address/bits} or {@code address/mask}
 * networks, names and {@code *} wildcards carry over; regular expressions ({@code ^…}), negations
 * ({@code !…}), named lists ({@code +…}), lookups ({@code type;…}) and the {@code @} forms do not.
 * Partial addresses ({@code 192.168.0}, which the shipped file's header suggests) become the
 * network they mean.
 *
 * <p>postgrey's {@code whitelist_clients}: addresses and CIDR networks carry over, {@code a.b.c}
 * becomes {@code a.b.c.0/24}, {@code a.b} becomes {@code a.b.0.0/24} (what postgrey 1.37 really
 * matched: its code builds a /24, not the /16 its comment meant; said in a note), and a name
 * {@code example.com}, which postgrey matches as the name or any subdomain, becomes the two
 * entries {@code example.com} and {@code *.example.com}. {@code /regex/} entries cannot be taken.
 * postgrey matched names against Postfix's verified {@code client_name}; Warden's whitelist
 * matches the forward-confirmed reverse name, the same thing. postgrey's
 * {@code whitelist_recipients} has no counterpart: Warden's whitelist is of hosts (and it never
 * greylists {@code postmaster@} its domains); each of its lines is reported.
 *
 * <h2>Standards</h2>
 * Exim 4 specification chapter 10 (host lists); postgrey(8) 1.37 ({@code read_clients_whitelists},
 * {@code read_recipients_whitelists}); RFC 4632.
 */
public final class WhitelistConversion {

    /**
     * The result of converting some files.
     *
     * @param lines the {@code whitelist_hosts} lines (comments naming each source, then its entries)
     * @param notTaken {@code FILE:LINE: 'entry' why}, one per entry left out
     * @param notes {@code FILE:LINE: …} for entries taken with a change worth knowing
     */
    public record Converted(List<String> lines, List<String> notTaken, List<String> notes) {
        public Converted {
            lines = List.copyOf(lines);
            notTaken = List.copyOf(notTaken);
            notes = List.copyOf(notes);
        }

        /** How many entries (not comments) were written. */
        public long entries() { return lines.stream().filter(l -> !l.startsWith("#")).count(); }
    }

    /** The kinds of file this converts. */
    public enum Source { EXIM_HOSTS, POSTGREY_CLIENTS, POSTGREY_RECIPIENTS }

    /** One file's name and lines. */
    public record SourceFile(String name, Source kind, List<String> lines) {}

    private static final Pattern PARTIAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){0,2}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}(/\\d{1,2})?");
    private static final Pattern DOTTED_MASK = Pattern.compile("(\\d{1,3}(?:\\.\\d{1,3}){3})/(\\d{1,3}(?:\\.\\d{1,3}){3})");

    private final List<String> lines = new ArrayList<>();
    private final Set<String> written = new LinkedHashSet<>();
    private final List<String> notTaken = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private WhitelistConversion() {}

    /** Converts the files in order; an entry already written from an earlier line is not repeated. */
    public static Converted convert(List<SourceFile> files) {
        WhitelistConversion c = new WhitelistConversion();
        for (SourceFile f : files) {
            c.lines.add("# from " + f.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + " file " + f.name());
            for (int i = 0; i < f.lines().size(); i++) {
                String where = f.name() + ":" + (i + 1);
                String entry = entry(f.kind(), f.lines().get(i));
                if (entry.isEmpty()) continue;
                switch (f.kind()) {
                    case EXIM_HOSTS -> c.exim(where, entry);
                    case POSTGREY_CLIENTS -> c.postgrey(where, entry);
                    case POSTGREY_RECIPIENTS -> c.refuse(where, entry, "is a recipient: Warden's whitelist is of client hosts,"
                            + " and it has no recipient whitelist (it never greylists postmaster@ its own domains)");
                }
            }
        }
        return new Converted(c.lines, c.notTaken, c.notes);
    }

    /** The line without its comment and surrounding blanks ({@code #} anywhere for postgrey; for Exim at the start or after a blank). */
    private static String entry(Source kind, String line) {
        String l = line.strip();
        int hash = kind == Source.EXIM_HOSTS ? (l.startsWith("#") ? 0 : indexOfComment(l)) : l.indexOf('#');
        return (hash < 0 ? l : l.substring(0, hash)).strip();
    }

    private static int indexOfComment(String l) {
        for (int i = 1; i < l.length(); i++) {
            if (l.charAt(i) == '#' && Character.isWhitespace(l.charAt(i - 1))) return i;
        }
        return -1;
    }

    private void exim(String where, String entry) {
        String why = switch (entry.charAt(0)) {
            case '^' -> "is a regular expression on the host name; Warden's whitelist takes names with * (*.example.com):"
                    + " write the names it should match";
            case '!' -> "is a negation; Warden's whitelist has no exceptions: list the hosts to whitelist instead";
            case '+' -> "is a named Exim list; copy the list's own entries";
            case '@' -> "is an Exim '@' form (this host, its addresses or MX); give the addresses";
            default -> entry.contains(";") ? "is an Exim lookup; copy the entries it looks up" : entry.equals("*")
                    ? "would whitelist every host; leave it out, or turn greylisting off" : null;
        };
        if (why != null) {
            refuse(where, entry, why);
            return;
        }
        java.util.regex.Matcher mask = DOTTED_MASK.matcher(entry);
        if (mask.matches()) {
            int bits = maskBits(mask.group(2));
            if (bits < 0) {
                refuse(where, entry, "has a netmask that is not contiguous; write it as address/bits");
                return;
            }
            take(where, entry, mask.group(1) + "/" + bits);
        } else if (PARTIAL.matcher(entry).matches()) {
            String[] octets = entry.split("\\.");
            String network = entry + ".0".repeat(4 - octets.length) + "/" + octets.length * 8;
            note(where, "'" + entry + "' taken as the network " + network);
            take(where, entry, network);
        } else {
            take(where, entry, entry);
        }
    }

    private void postgrey(String where, String entry) {
        if (entry.length() > 2 && entry.startsWith("/") && entry.endsWith("/")) {
            refuse(where, entry, "is a regular expression on the client name; Warden's whitelist takes names with *"
                    + " (*.example.com): write the names it should match");
        } else if (IPV4.matcher(entry).matches() || entry.matches(".*:.*:.*")) {
            take(where, entry, entry);
        } else if (entry.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            take(where, entry, entry + ".0/24");
        } else if (entry.matches("\\d{1,3}\\.\\d{1,3}")) {
            note(where, "'" + entry + "' taken as " + entry + ".0.0/24, the network postgrey 1.37 matched (its code builds"
                    + " a /24 for a.b); write " + entry + ".0.0/16 if you meant the /16");
            take(where, entry, entry + ".0.0/24");
        } else if (!entry.contains(" ") && !entry.contains("\t")) {
            String name = entry.toLowerCase(Locale.ROOT);
            if (take(where, entry, name)) take(where, entry, "*." + name);
        } else {
            refuse(where, entry, "does not look like a host name, address or network (postgrey skips it too)");
        }
    }

    /** Writes {@code converted} if {@link HostList} accepts it; otherwise reports {@code entry}. */
    private boolean take(String where, String entry, String converted) {
        List<String> problems = new ArrayList<>();
        HostList.parse(where, List.of(converted), problems::add);
        if (!problems.isEmpty() || converted.isEmpty()) {
            refuse(where, entry, "is neither an address, a network (192.0.2.0/24) nor a host name (*.example.com)"
                    + " as Warden's whitelist takes them");
            return false;
        }
        if (written.add(converted.toLowerCase(Locale.ROOT))) lines.add(converted);
        return true;
    }

    private void refuse(String where, String entry, String why) {
        notTaken.add(where + ": '" + ClientText.ascii(entry, 200) + "' " + why);
    }

    private void note(String where, String what) {
        notes.add(where + ": " + ClientText.ascii(what, 300));
    }

    /** The prefix length of a dotted netmask, or -1 if its ones are not contiguous. */
    private static int maskBits(String mask) {
        long value = 0;
        for (String octet : mask.split("\\.")) {
            int o = Integer.parseInt(octet);
            if (o > 255) return -1;
            value = value << 8 | o;
        }
        int bits = Long.bitCount(value);
        long expected = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
        return value == expected ? bits : -1;
    }
}
