package warden.policy.content;

import warden.mail.ClientText;
import warden.message.HeaderBlock;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The header section of a message as fields, unfolded, with the line each starts on, and the
 * first thing that keeps it from being a header section at all.
 *
 * <p>The header section ends at the first empty line (or the end of the message). Each line is a
 * field {@code name: value}, where the name is printable US-ASCII without a colon, or continues
 * the field before it by starting with a space or tab. Bytes are read as ISO-8859-1 so that
 * every octet, UTF-8 included (RFC 6532), is one character and a NUL is seen as such.
 *
 * <h2>Standards</h2>
 * RFC 5322 sections 2.1 (no NUL), 2.2 (field name and body), 2.2.3 (folding), 3.5 (header, empty
 * line, body); RFC 6532 (UTF-8 in header values).
 *
 * <p>Apache mime4j's core module splits fields too, but lenient about what this must report;
 * its address parser is in mime4j-dom, which is not a dependency.
 *
 * @param fields the fields in order, values unfolded (CRLF removed) and not decoded
 * @param malformed the first line that is not part of a well-formed header section, as a reason
 */
public record HeaderFields(List<Field> fields, Optional<String> malformed) {

    /** One field: its name as written, its unfolded value, and the message line it starts on (1-based). */
    public record Field(String name, String value, int line) {
        public boolean is(String other) { return name.equalsIgnoreCase(other); }
    }

    public HeaderFields {
        fields = List.copyOf(fields);
    }

    /**
     * Reads the header section of a received message from its bounded {@link HeaderBlock} (CRLF
     * lines, as received in DATA): never from the whole message, whose body is not in the heap.
     */
    public static HeaderFields read(HeaderBlock header) {
        String text = new String(header.bytes(), StandardCharsets.ISO_8859_1);
        List<Field> fields = new ArrayList<>();
        Optional<String> malformed = Optional.empty();
        String name = null;
        StringBuilder value = new StringBuilder();
        int start = 0;
        int number = 0;
        int fieldLine = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = text.length();
            String line = text.substring(start, end > start && text.charAt(end - 1) == '\r' ? end - 1 : end);
            start = end + 1;
            number++;
            if (line.isEmpty()) break; // the end of the header section
            if (malformed.isPresent()) continue;
            if (line.indexOf('\0') >= 0) {
                malformed = Optional.of("line " + number + " of the header contains a NUL character (RFC 5322 2.1)");
            } else if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                if (name == null) malformed = Optional.of("line " + number + " continues a header field that does not exist (RFC 5322 2.2.3)");
                else value.append(line);
            } else {
                int colon = line.indexOf(':');
                String n = colon < 0 ? "" : line.substring(0, colon);
                if (colon < 0) {
                    malformed = Optional.of("line " + number + " of the header is not a 'Name: value' field (RFC 5322 2.2): '"
                            + shorten(line) + "'");
                } else if (!validName(n)) {
                    malformed = Optional.of("line " + number + " has an invalid header field name '" + shorten(n) + "' (RFC 5322 3.6.8)");
                } else {
                    if (name != null) fields.add(new Field(name, value.toString(), fieldLine));
                    name = n;
                    fieldLine = number;
                    value.setLength(0);
                    value.append(line, colon + 1, line.length());
                }
            }
        }
        if (name != null) fields.add(new Field(name, value.toString(), fieldLine));
        return new HeaderFields(fields, malformed);
    }

    /** The fields named {@code name} (case-insensitive). */
    public List<Field> all(String name) {
        return fields.stream().filter(f -> f.is(name)).toList();
    }

    /** How many fields are named {@code name}. */
    public int count(String name) {
        return (int) fields.stream().filter(f -> f.is(name)).count();
    }

    /** RFC 5322 3.6.8: {@code ftext = %d33-57 / %d59-126}, at least one. */
    static boolean validName(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') return false;
        }
        return true;
    }

    /** Client text in a reason: printable ASCII (escaped as {@link ClientText#ascii} does), about 40 characters. */
    static String shorten(String text) {
        return ClientText.ascii(text, 40);
    }

}
