package warden.queue;

import warden.outbound.Destination;
import warden.outbound.Outcome;
import warden.outbound.Transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A {@link Transport} for queue tests: answers each recipient as scripted, records every call
 * (destination, message id, addresses, the content it would have sent) and how many ran at once.
 */
final class ScriptedTransport implements Transport {

    /** One call. */
    record Call(Destination destination, String id, List<String> addresses, String content) {}

    final List<Call> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    private volatile BiFunction<Destination, String, Outcome> script = (d, a) -> delivered(a);
    private volatile Duration hold = Duration.ZERO;

    ScriptedTransport answer(BiFunction<Destination, String, Outcome> script) {
        this.script = script;
        return this;
    }

    /** Each call takes this long (to see concurrency). */
    ScriptedTransport hold(Duration d) {
        this.hold = d;
        return this;
    }

    @Override
    public List<Outcome> deliver(Destination destination, QueuedMessage message, List<QueuedRecipient> recipients) {
        int now = running.incrementAndGet();
        mostAtOnce.accumulateAndGet(now, Math::max);
        try {
            String content;
            try (InputStream in = message.content().open()) {
                content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                content = "unreadable: " + e;
            }
            calls.add(new Call(destination, message.id(), recipients.stream().map(QueuedRecipient::address).toList(), content));
            if (!hold.isZero()) Thread.sleep(hold);
            return recipients.stream().map(r -> script.apply(destination, r.address())).toList();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return recipients.stream().map(r -> deferred(r.address(), 0, "", "interrupted")).toList();
        } finally {
            running.decrementAndGet();
        }
    }

    List<Call> callsFor(String id) {
        return calls.stream().filter(c -> c.id().equals(id)).toList();
    }

    static Outcome delivered(String address) {
        return new Outcome(Outcome.Kind.DELIVERED, address, Optional.of("mx.test"), Optional.of(InetAddress.getLoopbackAddress()),
                Optional.of("TLS1.3:TLS_AES_256_GCM_SHA384:256"), 250, "2.0.0", "Ok: queued as 42", "DATA", false);
    }

    static Outcome deferred(String address, int code, String status, String text) {
        return new Outcome(Outcome.Kind.DEFERRED, address, code == 0 ? Optional.empty() : Optional.of("mx.test"),
                code == 0 ? Optional.empty() : Optional.of(InetAddress.getLoopbackAddress()), Optional.empty(), code, status,
                text, code == 0 ? "" : "RCPT TO:<" + address + ">", false);
    }

    static Outcome failed(String address, int code, String status, String text) {
        return new Outcome(Outcome.Kind.FAILED, address, Optional.of("mx.test"), Optional.of(InetAddress.getLoopbackAddress()),
                Optional.empty(), code, status, text, "RCPT TO:<" + address + ">", false);
    }
}
