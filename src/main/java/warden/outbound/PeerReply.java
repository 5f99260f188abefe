package warden.outbound;

import warden.mail.ClientText;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A reply from the server we send to: its code and text lines as received (hostile: escape before
 * any use in a log or report, which {@link #text()} and {@link #toString()} do).
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.2 (reply lines, multi-line replies), RFC 2034 and RFC 3463 (enhanced status
 * codes at the start of each line's text).
 *
 * @param code the three-digit code
 * @param lines each line's text after {@code code} and the separator, unescaped
 */
public record PeerReply(int code, List<String> lines) {

    private static final Pattern STATUS = Pattern.compile("^([245])\\.(\\d{1,3})\\.(\\d{1,3})(?: |$)");

    public PeerReply {
        lines = List.copyOf(lines);
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply has a line");
    }

    public boolean positive() { return code >= 200 && code < 400; }
    public boolean transientFailure() { return code >= 400 && code < 500; }
    public boolean permanentFailure() { return code >= 500; }

    /**
     * The enhanced status code of the first line ({@code 5.1.1}) when it has one of the reply's
     * class, else the class default ({@code 2.0.0}, {@code 4.0.0}, {@code 5.0.0}).
     */
    public String status() {
        var m = STATUS.matcher(lines.get(0));
        if (m.find() && m.group(1).charAt(0) - '0' == code / 100) return m.group(1) + "." + m.group(2) + "." + m.group(3);
        return (code / 100 == 3 ? 2 : code / 100) + ".0.0";
    }

    /** The lines without their enhanced status codes, joined with a space, escaped, at most 1000 characters. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            var m = STATUS.matcher(line);
            String t = m.find() ? line.substring(m.end()) : line;
            if (!b.isEmpty()) b.append(' ');
            b.append(t);
        }
        return ClientText.ascii(b.toString().strip(), 1000);
    }

    /** {@code 550 5.1.1 text}, escaped. */
    @Override
    public String toString() {
        return code + " " + status() + " " + text();
    }
}
