package warden.testing;

import warden.delivery.DeliveryReport;
import warden.delivery.InboundMessage;
import warden.delivery.MessageStore;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A MessageStore for protocol tests: keeps what was delivered in memory, or fails on demand.
 * (End-to-end tests use the real Maildir store.)
 */
public final class RecordingStore implements MessageStore {

    public final List<InboundMessage> messages = new CopyOnWriteArrayList<>();
    public volatile boolean fail;

    @Override
    public DeliveryReport deliver(InboundMessage message) throws IOException {
        if (fail) throw new IOException("disk full (test)");
        messages.add(message);
        return new DeliveryReport(message.envelope().recipients().stream()
                .map(r -> new DeliveryReport.Copy(r, "memory", "memory")).toList());
    }
}
