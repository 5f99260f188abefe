package warden.delivery;

import warden.mail.Envelope;
import warden.message.ReceivedMessage;
import warden.recipient.Route;

import java.util.List;
import java.util.Map;

/**
 * One message as accepted after DATA, ready to be delivered.
 *
 * @param envelope the reverse path and the recipients as given at RCPT
 * @param routes for each recipient (same order as the envelope), the routes it resolved to
 * @param trace what the Received header records
 * @param extraHeaders header lines earned in the dialogue ({@code X-Helo-Check: ...}), added on top
 * @param content the message as received: header and body, CRLF line ends, dot-unstuffed; in its
 *        data file, to be streamed into each copy (the session discards it after delivery)
 */
public record InboundMessage(Envelope envelope, Map<String, List<Route>> routes, Trace trace,
                             List<String> extraHeaders, ReceivedMessage content) {
    public InboundMessage {
        routes = Map.copyOf(routes);
        extraHeaders = List.copyOf(extraHeaders);
    }
}
