package warden.policy.content;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the value of an address field (From, Sender, Reply-To, To, Cc, Bcc and their Resent-
 * forms) is well-formed: a mailbox, a mailbox list, or an address list with groups.
 *
 * <p>Display names may be phrases with dots and quoted strings (RFC 5322's obsolete phrase, which
 * real mail uses: {@code John Q. Public}); comments are skipped; local parts are dot-atoms or
 * quoted strings; domains are dot-atoms or literals; an empty list member ({@code a@b,,c@d}) is
 * tolerated as the obsolete syntax allows; a source route ({@code <@relay:a@b>}) is read and
 * ignored. Octets of 0x80 and above are accepted in atoms (RFC 6532).
 *
 * <h2>Standards</h2>
 * RFC 5322 sections 3.2.2 (comments), 3.2.3 (atoms), 3.2.4 (quoted strings), 3.4 (address
 * specification), 3.4.1 (addr-spec), 4.4 (obsolete addressing); RFC 6532.
 *
 * <p>It checks syntax only: whether the domain exists or the address takes mail is not its business.
 */
public final class AddressSyntax {

    /** What the field must hold. */
    public enum Kind {
        /** Sender: exactly one mailbox. */
        MAILBOX,
        /** From: one or more mailboxes, no groups. */
        MAILBOX_LIST,
        /** To, Cc, Reply-To: one or more addresses, groups allowed. */
        ADDRESS_LIST,
        /** Bcc: an address list, or nothing at all. */
        OPTIONAL_ADDRESS_LIST
    }

    private enum Type { ATOM, QUOTED, LITERAL, SPECIAL }

    private record Token(Type type, String text) {
        boolean is(char c) { return type == Type.SPECIAL && text.charAt(0) == c; }
        boolean word() { return type == Type.ATOM || type == Type.QUOTED; }
    }

    private static final class Invalid extends Exception {
        Invalid(String message) { super(message, null, false, false); }
    }

    private final List<Token> tokens;
    private int pos;

    private AddressSyntax(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** Empty if {@code value} is a well-formed {@code kind}; otherwise why not. */
    public static Optional<String> check(String value, Kind kind) {
        try {
            new AddressSyntax(tokenize(value)).list(kind);
            return Optional.empty();
        } catch (Invalid e) {
            return Optional.of(e.getMessage());
        }
    }

    private void list(Kind kind) throws Invalid {
        int count = 0;
        while (pos < tokens.size()) {
            if (peek().is(',')) { // obs-mbox-list / obs-addr-list: empty members
                pos++;
                continue;
            }
            address(kind != Kind.MAILBOX && kind != Kind.MAILBOX_LIST);
            count++;
            if (pos < tokens.size()) {
                if (!peek().is(',')) throw new Invalid("expected ',' between addresses, found '" + peek().text() + "'");
                if (kind == Kind.MAILBOX) throw new Invalid("only one mailbox is allowed here");
            }
        }
        if (count == 0 && kind != Kind.OPTIONAL_ADDRESS_LIST) throw new Invalid("there is no address");
    }

    private void address(boolean groups) throws Invalid {
        int start = pos;
        while (pos < tokens.size() && (peek().word() || peek().is('.'))) pos++;
        boolean phrase = pos > start;
        if (pos >= tokens.size()) {
            throw new Invalid(phrase ? "'" + text(start, pos) + "' is not an address (no @domain)" : "an address is missing");
        }
        Token t = peek();
        if (t.is(':') && phrase) {
            if (!groups) throw new Invalid("a group ('" + text(start, pos) + ":') is not allowed here");
            pos++;
            while (pos < tokens.size() && !peek().is(';')) {
                if (peek().is(',')) {
                    pos++;
                    continue;
                }
                address(false);
                if (pos < tokens.size() && !peek().is(',') && !peek().is(';')) {
                    throw new Invalid("expected ',' or ';' in the group, found '" + peek().text() + "'");
                }
            }
            expect(';', "the group '" + text(start, start + 1) + "' is not closed with ';'");
        } else if (t.is('<')) {
            pos++;
            route();
            addrSpec();
            expect('>', "'<' is not closed with '>'");
        } else if (t.is('@') && phrase) {
            pos = start;
            addrSpec();
        } else {
            throw new Invalid("unexpected '" + t.text() + "'" + (phrase ? " after '" + text(start, pos) + "'" : ""));
        }
    }

    /** obs-route: {@code @a.example,@b.example:} before the addr-spec, read and ignored. */
    private void route() throws Invalid {
        if (pos >= tokens.size() || !peek().is('@')) return;
        int save = pos;
        while (pos < tokens.size() && (peek().is('@') || peek().is(',') || peek().is('.') || peek().type() == Type.ATOM
                || peek().type() == Type.LITERAL)) {
            pos++;
        }
        if (pos < tokens.size() && peek().is(':')) {
            pos++;
        } else {
            pos = save;
        }
    }

    private void addrSpec() throws Invalid {
        int start = pos;
        if (pos >= tokens.size() || !peek().word()) throw new Invalid("a local part is missing before '@'");
        pos++;
        while (pos < tokens.size() && peek().is('.')) {
            pos++;
            if (pos >= tokens.size() || !peek().word()) throw new Invalid("the local part '" + text(start, pos) + "' has an empty dot-separated part");
            pos++;
        }
        expect('@', "'" + text(start, pos) + "' has no @domain");
        if (pos < tokens.size() && peek().type() == Type.LITERAL) {
            pos++;
            return;
        }
        int domain = pos;
        if (pos >= tokens.size() || peek().type() != Type.ATOM) throw new Invalid("the domain is missing after '" + text(start, pos) + "'");
        pos++;
        while (pos < tokens.size() && peek().is('.')) {
            pos++;
            if (pos >= tokens.size() || peek().type() != Type.ATOM) {
                throw new Invalid("the domain '" + text(domain, pos) + "' has an empty label");
            }
            pos++;
        }
    }

    private void expect(char c, String message) throws Invalid {
        if (pos >= tokens.size() || !peek().is(c)) throw new Invalid(message);
        pos++;
    }

    private Token peek() { return tokens.get(pos); }

    private String text(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < Math.min(to, tokens.size()); i++) {
            Token t = tokens.get(i);
            if (b.length() > 0 && t.word() && tokens.get(i - 1).word()) b.append(' ');
            b.append(t.type() == Type.QUOTED ? "\"" + t.text() + "\"" : t.text());
        }
        return HeaderFields.shorten(b.toString());
    }

    private static List<Token> tokenize(String value) throws Invalid {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                i++;
            } else if (c == '(') {
                int depth = 0;
                for (; i < n; i++) {
                    char d = value.charAt(i);
                    if (d == '\\') i++;
                    else if (d == '(') depth++;
                    else if (d == ')' && --depth == 0) break;
                }
                if (i >= n) throw new Invalid("a comment '(' is not closed");
                i++;
            } else if (c == '"') {
                StringBuilder q = new StringBuilder();
                i++;
                for (; i < n && value.charAt(i) != '"'; i++) {
                    if (value.charAt(i) == '\\') i++;
                    if (i < n) q.append(value.charAt(i));
                }
                if (i >= n) throw new Invalid("a quoted string is not closed with '\"'");
                i++;
                out.add(new Token(Type.QUOTED, q.toString()));
            } else if (c == '[') {
                int close = value.indexOf(']', i);
                if (close < 0 || value.substring(i + 1, close).contains("[")) throw new Invalid("a domain literal '[' is not closed with ']'");
                out.add(new Token(Type.LITERAL, value.substring(i, close + 1)));
                i = close + 1;
            } else if ("<>@,;:.".indexOf(c) >= 0) {
                out.add(new Token(Type.SPECIAL, String.valueOf(c)));
                i++;
            } else if (atext(c)) {
                int start = i;
                while (i < n && atext(value.charAt(i))) i++;
                out.add(new Token(Type.ATOM, value.substring(start, i)));
            } else {
                throw new Invalid(c < 0x20 || c == 0x7f ? "a control character (0x" + Integer.toHexString(c) + ") is not allowed"
                        : "'" + c + "' is not allowed here");
            }
        }
        return out;
    }

    /** RFC 5322 3.2.3 atext, and any octet from 0x80 up (RFC 6532's UTF-8, read as ISO-8859-1). */
    private static boolean atext(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0 || c >= 0x80;
    }
}
