package warden.testing;

import warden.delivery.DeliveryReport;
import warden.delivery.InboundMessage;
import warden.delivery.MessageStore;
import warden.message.ReceivedMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A MessageStore for protocol tests: keeps what was delivered in memory, or fails on demand.
 * (End-to-end tests use the real Maildir store.) The session discards a message's data file once
 * it is delivered, so each recorded message holds an in-memory copy of its content.
 */
public final class RecordingStore implements MessageStore {

    public final List<InboundMessage> messages = new CopyOnWriteArrayList<>();
    public volatile boolean fail;

    @Override
    public DeliveryReport deliver(InboundMessage message) throws IOException {
        if (fail) throw new IOException("disk full (test)");
        byte[] content;
        try (InputStream in = message.content().open()) {
            content = in.readAllBytes();
        }
        messages.add(new InboundMessage(message.envelope(), message.routes(), message.trace(), message.extraHeaders(),
                ReceivedMessage.of(content)));
        return new DeliveryReport(message.envelope().recipients().stream()
                .map(r -> new DeliveryReport.Copy(r, "memory", "memory")).toList());
    }

    /** The content of the {@code i}th message delivered, as ISO-8859-1 text (every octet one char). */
    public String content(int i) throws IOException {
        try (InputStream in = messages.get(i).content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The raw content of the {@code i}th message delivered. */
    public byte[] bytes(int i) throws IOException {
        try (InputStream in = messages.get(i).content().open()) {
            return in.readAllBytes();
        }
    }
}
