package warden.mail;

import java.util.List;

/**
 * One SMTP reply: a three-digit code, an enhanced status code and one or more text lines.
 *
 * <p>Every reply Warden sends carries an enhanced status code (RFC 2034, RFC 3463), except the
 * greeting banner and the EHLO/HELO answer, which RFC 2034 section 3 exempts.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.2 (reply lines, multi-line replies with {@code code-text}), RFC 3463.
 *
 * <p>Every line is passed through {@link ClientText#escape}: no control character reaches the
 * wire, whoever built the text.
 *
 * @param code the reply code, 200..599
 * @param status the enhanced status code such as {@code 5.1.1}, or empty for the banner and EHLO
 * @param lines the text lines, at least one
 */
public record Reply(int code, String status, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) throw new IllegalArgumentException("reply code " + code);
        // A last line of defence: client text in a reply is escaped where it is put in, but a CR,
        // LF or other control character here would end the line and inject one of its own.
        lines = lines.stream().map(ClientText::escape).toList();
        if (lines.isEmpty()) throw new IllegalArgumentException("a reply needs a line");
        if (!status.isEmpty() && status.charAt(0) - '0' != code / 100) {
            throw new IllegalArgumentException("status " + status + " does not match code " + code);
        }
    }

    public static Reply of(int code, String status, String text) {
        return new Reply(code, status, List.of(text));
    }

    public boolean isPositive() { return code < 400; }
    public boolean isTransient() { return code >= 400 && code < 500; }
    public boolean isPermanent() { return code >= 500; }

    /** The reply as it goes on the wire, every line ending in CRLF. */
    public String wire() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            b.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!status.isEmpty()) b.append(status).append(' ');
            b.append(lines.get(i)).append("\r\n");
        }
        return b.toString();
    }

    /** The reply on one line for logs: {@code 550 5.1.1 text}. */
    @Override
    public String toString() {
        return code + (status.isEmpty() ? "" : " " + status) + " " + String.join(" / ", lines);
    }
}
