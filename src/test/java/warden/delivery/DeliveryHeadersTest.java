package warden.delivery;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DeliveryHeadersTest {

    static final ZonedDateTime AT = ZonedDateTime.of(2026, 11, 24, 13, 20, 28, 0, ZoneId.of("Europe/Zurich"));
    final DeliveryHeaders headers = new DeliveryHeaders(Clock.fixed(Instant.parse("2026-11-24T12:20:30Z"), ZoneOffset.UTC));

    static Trace trace(String helo, String ip, Optional<String> rdns) throws Exception {
        return new Trace(helo, InetAddress.getByName(ip), rdns, "ESMTP", "mx.warden.test", "1a2b3c-000001", AT);
    }

    @Test
    void finalDeliveryHeadersInEximsOrderThenReceivedThenExtras() throws Exception {
        String h = headers.finalDelivery("alice@example.org", List.of("bob@example.net"),
                trace("mail.example.org", "192.0.2.1", Optional.of("mail.example.org")), List.of("X-Helo-Check: pass"));
        assertThat(h).isEqualTo("""
                Return-path: <alice@example.org>\r
                Envelope-to: bob@example.net\r
                Delivery-date: Tue, 24 Nov 2026 12:20:30 +0000\r
                Received: from mail.example.org (mail.example.org [192.0.2.1])\r
                \tby mx.warden.test with ESMTP id 1a2b3c-000001\r
                \tfor <bob@example.net>; Tue, 24 Nov 2026 13:20:28 +0100\r
                X-Helo-Check: pass\r
                """);
    }

    @Test
    void severalRecipientsAreListedInEnvelopeToButNotInReceived() throws Exception {
        String h = headers.finalDelivery("", List.of("a@example.net", "b@example.net"),
                trace("[192.0.2.1]", "192.0.2.1", Optional.empty()), List.of());
        assertThat(h).startsWith("Return-path: <>\r\nEnvelope-to: a@example.net, b@example.net\r\n")
                .contains("Received: from [192.0.2.1] (unknown [192.0.2.1])\r\n\tby mx.warden.test with ESMTP id"
                        + " 1a2b3c-000001; Tue, 24 Nov 2026 13:20:28 +0100\r\n")
                .doesNotContain("for <");
    }

    @Test
    void ipv6ClientsAreWrittenAsAddressLiterals() throws Exception {
        assertThat(DeliveryHeaders.received(trace("h.example", "2001:db8::1", Optional.empty()), List.of()))
                .startsWith("Received: from h.example (unknown [IPv6:2001:db8::1])");
    }

    @Test
    void aHeloCannotPlantAnAddressLiteralInTheFromClause() throws Exception {
        String forged = DeliveryHeaders.received(trace("a) [6.6.6.6] (b", "192.0.2.1", Optional.empty()), List.of());
        assertThat(forged).startsWith("Received: from a___6.6.6.6___b (unknown [192.0.2.1])");
        assertThat(forged).doesNotContain("[6.6.6.6]");
        assertThat(DeliveryHeaders.received(trace("x[6.6.6.6]", "192.0.2.1", Optional.empty()), List.of()))
                .startsWith("Received: from x_6.6.6.6_ (unknown [192.0.2.1])");
        // a real address literal stays one
        assertThat(DeliveryHeaders.received(trace("[192.0.2.1]", "192.0.2.1", Optional.empty()), List.of()))
                .startsWith("Received: from [192.0.2.1] (unknown [192.0.2.1])");
        assertThat(DeliveryHeaders.received(trace("[IPv6:2001:db8::1]", "2001:db8::1", Optional.empty()), List.of()))
                .startsWith("Received: from [IPv6:2001:db8::1] (unknown [IPv6:2001:db8::1])");
    }

    @Test
    void clientTextCannotEndTheHeaderOrAddOne() throws Exception {
        String h = headers.relay(List.of("x@example.net"), trace("evil\r\nX-Injected: yes", "192.0.2.1", Optional.empty()),
                List.of("X-Multi: one\r\ntwo\n\nX-Sneaky: 1"));
        assertThat(h.split("\r\n")).allSatisfy(line -> assertThat(line).doesNotStartWith("X-Injected").doesNotStartWith("X-Sneaky"))
                .noneSatisfy(line -> assertThat(line).isEmpty());
        assertThat(h).contains("X-Multi: one\r\n\ttwo\r\n\tX-Sneaky: 1\r\n");
        assertThat(h.replace("\r\n", "")).doesNotContain("\r").doesNotContain("\n");
    }
}
