package warden.delivery;

import warden.mail.IpText;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * The header lines put on top of each copy of a message: the trace ({@code Received:}) for every
 * copy, and {@code Return-path:}, {@code Envelope-to:}, {@code Delivery-date:} for a copy that
 * reaches its final mailbox.
 *
 * <p>Order, top down: Return-path, Envelope-to, Delivery-date (what Exim's
 * {@code return_path_add}, {@code envelope_to_add} and {@code delivery_date_add} write in the
 * seed's {@code transport_localuser}), then our Received, then the header lines the dialogue
 * earned ({@code X-Helo-Check: ...}), then the message as received. Everything is returned with
 * CRLF line ends, as on the wire; the Maildir stores LF.
 *
 * <p>The Received header:
 * <pre>
 * Received: from HELO (RDNS [IP])
 * 	by HOST with ESMTP id ID
 * 	for &lt;RCPT&gt;; DATE
 * </pre>
 * A message that came over TLS has, as Postfix writes it, a line
 * {@code (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))} before {@code by},
 * and {@code with ESMTPS} (RFC 3848).
 * {@code RDNS} is {@code unknown} when the client has no reverse name (as Postfix writes it), an
 * IPv6 client is written {@code [IPv6:...]}. The {@code for} clause names the recipient only when
 * the copy is for exactly one envelope address, so a copy never tells one recipient who else got
 * the message.
 *
 * <p>Text from the client (the HELO name) is cleaned of control characters, and extra header
 * lines are refolded, so no client can end the header early or inject a header of its own.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.4 (trace information; Return-path only at final delivery), RFC 5322
 * sections 2.1.1 and 2.2.3 (line length, folding), 3.3 (date-time) and 3.6.7 (trace fields), RFC 3848
 * and RFC 6531 section 3.7.3 ({@code with} protocol names).
 */
public final class DeliveryHeaders {

    private static final DateTimeFormatter RFC5322 =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);
    private static final String CRLF = "\r\n";

    private final Clock clock;

    /** @param clock the time in {@code Delivery-date:} */
    public DeliveryHeaders(Clock clock) {
        this.clock = clock;
    }

    /**
     * The header block for a copy delivered to a mailbox.
     *
     * @param reversePath the envelope sender, {@code ""} for the null sender
     * @param recipients the envelope addresses that reached this mailbox
     */
    public String finalDelivery(String reversePath, List<String> recipients, Trace trace, List<String> extraHeaders) {
        return finalDelivery(reversePath, recipients) + relay(recipients, trace, extraHeaders);
    }

    /**
     * {@code Return-path:}, {@code Envelope-to:} and {@code Delivery-date:} alone: for a message
     * from the queue, which carries our Received header already.
     */
    public String finalDelivery(String reversePath, List<String> recipients) {
        StringBuilder b = new StringBuilder(256);
        b.append("Return-path: <").append(clean(reversePath)).append('>').append(CRLF);
        b.append(foldedList("Envelope-to:", recipients));
        b.append("Delivery-date: ").append(date(ZonedDateTime.now(clock))).append(CRLF);
        return b.toString();
    }

    /** The header block for a copy that goes on to another server: Received and the extra lines. */
    public String relay(List<String> recipients, Trace trace, List<String> extraHeaders) {
        StringBuilder b = new StringBuilder(256);
        b.append(received(trace, recipients));
        for (String h : extraHeaders) b.append(fold(h));
        return b.toString();
    }

    /** The Received header for {@code trace}, folded over three lines. */
    public static String received(Trace trace, List<String> recipients) {
        StringBuilder b = new StringBuilder(200);
        b.append("Received: from ").append(heloToken(trace.heloName()))
                .append(" (").append(token(trace.reverseName().orElse("unknown")))
                .append(' ').append(literal(trace.clientAddress())).append(')').append(CRLF);
        trace.encryption().ifPresent(tls -> b.append("\t(using ").append(clean(tls)).append(')').append(CRLF));
        // Postfix's form; the login is one word of printable ASCII with no parenthesis to end the comment early
        trace.authenticatedSender().ifPresent(user -> b.append("\t(Authenticated sender: ")
                .append(token(warden.mail.ClientText.ascii(user, 64)).replace('\\', '_')).append(')').append(CRLF));
        b.append("\tby ").append(token(trace.receivedBy())).append(" with ").append(token(trace.protocol()))
                .append(" id ").append(token(trace.queueId()));
        if (recipients.size() == 1) b.append(CRLF).append("\tfor <").append(clean(recipients.getFirst())).append('>');
        return b.append("; ").append(date(trace.receivedAt())).append(CRLF).toString();
    }

    /** An RFC 5322 date-time: {@code Tue, 24 Nov 2026 13:20:28 +0100}. */
    public static String date(ZonedDateTime t) {
        return RFC5322.format(t);
    }

    /**
     * A header field listing {@code items} separated by commas, folded before an item that would
     * take the line past 78 characters, so no line comes near the 998-octet limit however many
     * recipients there are (RFC 5322 sections 2.1.1 and 2.2.3: fold at white space after a comma;
     * an item is at most an RFC 5321 path, 256 octets, so it always fits).
     */
    static String foldedList(String name, List<String> items) {
        StringBuilder b = new StringBuilder(name.length() + 32 * items.size());
        b.append(name);
        int line = name.length();
        for (int i = 0; i < items.size(); i++) {
            String item = clean(items.get(i)) + (i + 1 < items.size() ? "," : "");
            if (i > 0 && line + 1 + item.length() > 78) {
                b.append(CRLF).append('\t');
                line = 1;
            } else {
                b.append(' ');
                line++;
            }
            b.append(item);
            line += item.length();
        }
        return b.append(CRLF).toString();
    }

    /** The RFC 5321 address literal: {@code [192.0.2.1]} or {@code [IPv6:2001:db8::1]}. */
    static String literal(InetAddress a) {
        String s = IpText.of(a); // RFC 5952 text, no scope id (RFC 5321 4.1.3 has no room for one)
        return a instanceof Inet6Address ? "[IPv6:" + s + "]" : "[" + s + "]";
    }

    /** One header line with CRLF; an embedded line break becomes a fold (CRLF + tab) so it cannot start a header. */
    static String fold(String header) {
        String[] parts = header.strip().split("\r\n|\r|\n");
        StringBuilder b = new StringBuilder(header.length() + 4);
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].isBlank()) continue;
            if (i > 0) b.append(CRLF).append(Character.isWhitespace(parts[i].charAt(0)) ? "" : "\t");
            b.append(clean(parts[i]));
        }
        return b.append(CRLF).toString();
    }

    /** Control characters (CR and LF among them) become '?'; tabs stay. */
    private static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < ' ' && c != '\t') || c == 0x7f) {
                if (b == null) b = new StringBuilder(s);
                b.setCharAt(i, '?');
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * The client's HELO as the first word of the from-clause. A whole address literal
     * ({@code [192.0.2.1]}) stays as it is; anywhere else a bracket becomes '_' as white space and
     * parentheses do, so a HELO such as {@code a) [6.6.6.6] (b} cannot plant an address literal
     * that a Received parser (SpamAssassin's, a forensic script) would take for the client's.
     */
    private static String heloToken(String helo) {
        String t = token(helo);
        boolean literal = t.length() > 2 && t.charAt(0) == '[' && t.indexOf('[', 1) < 0
                && t.indexOf(']') == t.length() - 1;
        return literal ? t : t.replace('[', '_').replace(']', '_');
    }

    /** A word in the Received header: cleaned, no white space or parentheses (they would change the parse). */
    private static String token(String s) {
        String c = clean(s).replaceAll("[\\s()]", "_");
        return c.isEmpty() ? "unknown" : c;
    }
}
