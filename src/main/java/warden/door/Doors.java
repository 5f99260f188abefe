package warden.door;

import warden.config.WardenConfig;
import warden.door.greylistd.GreylistdServer;
import warden.door.postfix.PolicyServer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The front doors {@code serve} opens ({@code doors.*}), started together and closed together.
 *
 * <p>greylistd's door: one request per connection (Exim's {@code ${readsocket}} waits 5 s), so a
 * connection silent for {@value #GREYLISTD_IDLE_SECONDS} s is closed; at most
 * {@value #GREYLISTD_CONNECTIONS} at once. Postfix's door: Postfix keeps a policy connection open
 * between requests for up to {@code smtpd_policy_service_max_idle} (300 s), so ours waits a little
 * longer ({@value #POSTFIX_IDLE_SECONDS} s); at most {@value #POSTFIX_CONNECTIONS} at once (one per
 * smtpd process, 100 by default).
 */
public final class Doors implements AutoCloseable {

    static final int GREYLISTD_IDLE_SECONDS = 10;
    static final int GREYLISTD_CONNECTIONS = 1000;
    static final int POSTFIX_IDLE_SECONDS = PolicyServer.IDLE_SECONDS;
    static final int POSTFIX_CONNECTIONS = 2000;

    private final Optional<DoorListener> greylistd;
    private final Optional<DoorListener> postfix;

    private Doors(Optional<DoorListener> greylistd, Optional<DoorListener> postfix) {
        this.greylistd = greylistd;
        this.postfix = postfix;
    }

    /** No door. */
    public static Doors none() {
        return new Doors(Optional.empty(), Optional.empty());
    }

    /**
     * Opens the configured doors.
     *
     * @throws IOException naming the address and the fix when one cannot be bound (nothing stays open)
     */
    public static Doors start(WardenConfig.Doors config, DoorEngines engines) throws IOException {
        List<DoorListener> started = new ArrayList<>();
        try {
            Optional<DoorListener> g = Optional.empty();
            if (config.greylistd().isPresent()) {
                WardenConfig.GreylistdDoor d = config.greylistd().get();
                DoorListener l = new DoorListener(new DoorListener.Settings("greylistd", d.addresses(), d.mode(), d.group(),
                        GREYLISTD_CONNECTIONS, Duration.ofSeconds(GREYLISTD_IDLE_SECONDS)),
                        new GreylistdServer(engines), engines.log());
                l.start();
                started.add(l);
                g = Optional.of(l);
            }
            Optional<DoorListener> p = Optional.empty();
            if (config.postfix().isPresent()) {
                WardenConfig.PostfixDoor d = config.postfix().get();
                DoorListener l = new DoorListener(new DoorListener.Settings("postfix-policy", d.listen(), 0666, Optional.empty(),
                        POSTFIX_CONNECTIONS, Duration.ofSeconds(POSTFIX_IDLE_SECONDS)),
                        new PolicyServer(d, engines), engines.log());
                l.start();
                started.add(l);
                p = Optional.of(l);
            }
            return new Doors(g, p);
        } catch (IOException | RuntimeException e) {
            started.forEach(DoorListener::close);
            throw e;
        }
    }

    /** Where the greylistd door listens (a {@link java.nio.file.Path} or an {@link java.net.InetSocketAddress}), in config order. */
    public List<Object> greylistdAddresses() {
        return greylistd.map(DoorListener::boundAddresses).orElse(List.of());
    }

    /** Where the Postfix policy door listens, in config order. */
    public List<Object> postfixAddresses() {
        return postfix.map(DoorListener::boundAddresses).orElse(List.of());
    }

    @Override
    public void close() {
        greylistd.ifPresent(DoorListener::close);
        postfix.ifPresent(DoorListener::close);
    }
}
