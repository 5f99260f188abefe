package warden.submission;

import java.util.ArrayList;
import java.util.List;

/**
 * The mailbox addresses in an RFC 5322 address list, as in a {@code To:} header or a sendmail
 * argument: {@code bob@example.net}, {@code "Bob B." <bob@example.net>},
 * {@code Bob <bob@example.net> (work)}, groups {@code friends: a@x, b@y;} and the empty group
 * {@code undisclosed-recipients:;}, separated by commas.
 *
 * <p>Comments (nested) are dropped, quoted strings and domain literals are kept whole (a comma or
 * an angle bracket inside them is text), folding white space is ignored. An address without
 * {@code @} is returned as written; the caller qualifies it with our host name as sendmail does.
 *
 * <h2>Standards</h2>
 * RFC 5322 sections 3.4 (address specification), 3.2.2 (comments, folding white space), 3.2.4
 * (quoted strings); obsolete forms of 4.4 in part (empty list elements are skipped).
 *
 * <p>Not done: RFC 2047 encoded words in display names are not decoded (they are dropped with
 * the name); the obsolete route syntax {@code <@a,@b:x@y>} keeps only {@code x@y}.
 */
public final class AddressList {

    private AddressList() {}

    /**
     * The addr-specs in {@code text}, in order.
     *
     * @throws IllegalArgumentException for an unbalanced quote, comment, bracket or angle bracket
     */
    public static List<String> parse(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder(); // the current element outside <>, comments dropped
        StringBuilder angle = null;                // the text inside <>, when there was one
        boolean sawAngle = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            StringBuilder target = angle != null ? angle : plain;
            switch (c) {
                case '(' -> i = skipComment(text, i);
                case '"' -> {
                    int end = quotedEnd(text, i, '"');
                    target.append(text, i, end + 1);
                    i = end;
                }
                case '[' -> {
                    int end = quotedEnd(text, i, ']');
                    target.append(text, i, end + 1);
                    i = end;
                }
                case '<' -> {
                    if (angle != null) throw new IllegalArgumentException("'<' inside <...>");
                    angle = new StringBuilder();
                }
                case '>' -> {
                    if (angle == null) throw new IllegalArgumentException("'>' without '<'");
                    sawAngle = true;
                    plain.setLength(0);
                    plain.append(angle);
                    angle = null;
                }
                case ':' -> {
                    if (angle != null) {
                        angle.append(c); // a source route <@a:x@y>
                    } else if (!sawAngle) {
                        plain.setLength(0); // "group name:" starts a group
                    }
                }
                case ',', ';' -> {
                    if (angle != null) {
                        angle.append(c);
                    } else {
                        add(out, plain, sawAngle);
                        plain.setLength(0);
                        sawAngle = false;
                    }
                }
                case ' ', '\t', '\r', '\n' -> {
                    // folding white space between words means nothing in an addr-spec, and a phrase is dropped
                }
                default -> {
                    if (!sawAngle || angle != null) target.append(c);
                }
            }
        }
        if (angle != null) throw new IllegalArgumentException("'<' without '>'");
        add(out, plain, sawAngle);
        return out;
    }

    private static void add(List<String> out, StringBuilder element, boolean angle) {
        String s = element.toString().strip();
        if (angle) {
            int colon = s.startsWith("@") ? s.indexOf(':') : -1;
            if (colon >= 0) s = s.substring(colon + 1);
        }
        if (!s.isEmpty()) out.add(s);
    }

    private static int skipComment(String text, int start) {
        int depth = 0;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("a comment '(' is not closed");
    }

    private static int quotedEnd(String text, int start, char close) {
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') i++;
            else if (c == close) return i;
        }
        throw new IllegalArgumentException(close == '"' ? "a quoted string is not closed" : "a domain literal '[' is not closed");
    }
}
