package warden.delivery;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Envelope-to stays within the line limit however many recipients (RFC 5322 2.1.1, 2.2.3). */
class EnvelopeToFoldingTest {

    final DeliveryHeaders headers = new DeliveryHeaders(Clock.fixed(Instant.parse("2026-11-24T12:20:30Z"), ZoneOffset.UTC));

    @Test
    void aHundredRecipientsAreFoldedAtCommasUnder78Characters() throws Exception {
        List<String> rcpts = new ArrayList<>();
        for (int i = 0; i < 100; i++) rcpts.add("recipient" + i + "@example.net");
        Trace trace = new Trace("mail.example.org", InetAddress.getByName("192.0.2.1"), Optional.empty(), "ESMTP",
                "mx.warden.test", "id-1", ZonedDateTime.now(ZoneOffset.UTC));
        String block = headers.finalDelivery("a@example.org", rcpts, trace, List.of());

        // Before: one 1 503-octet line, over RFC 5322's 998.
        assertThat(block.split("\r\n")).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(78));
        String field = block.substring(block.indexOf("Envelope-to:"), block.indexOf("Delivery-date:"));
        assertThat(field.split("\r\n")).hasSizeGreaterThan(1)
                .allSatisfy(l -> assertThat(l).matches("(Envelope-to:|\t).*"));
        // Unfolded (RFC 5322 2.2.3: remove each CRLF before white space), it is the list again.
        String unfolded = field.replace("\r\n\t", " ").strip().substring("Envelope-to: ".length());
        assertThat(Arrays.asList(unfolded.split(", "))).isEqualTo(rcpts);
    }

    @Test
    void fewRecipientsStayOnOneLine() {
        assertThat(DeliveryHeaders.foldedList("Envelope-to:", List.of("a@example.net", "b@example.net")))
                .isEqualTo("Envelope-to: a@example.net, b@example.net\r\n");
        assertThat(DeliveryHeaders.foldedList("Envelope-to:", List.of("x".repeat(200) + "@example.net")))
                .isEqualTo("Envelope-to: " + "x".repeat(200) + "@example.net\r\n");
    }
}
