package warden.door.postfix;

import warden.config.WardenConfig;
import warden.door.DoorConnection;
import warden.door.DoorEngines;
import warden.door.DoorListener;

/** Postfix's policy delegation protocol, many requests per connection. (Being built: issue 10.) */
public final class PolicyServer implements DoorListener.Handler {

    private final WardenConfig.PostfixDoor settings;
    private final DoorEngines engines;

    public PolicyServer(WardenConfig.PostfixDoor settings, DoorEngines engines) {
        this.settings = settings;
        this.engines = engines;
    }

    @Override
    public void serve(DoorConnection connection) throws Exception {
        throw new UnsupportedOperationException("the Postfix policy door is not built yet");
    }
}
