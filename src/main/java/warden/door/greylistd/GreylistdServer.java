package warden.door.greylistd;

import warden.door.DoorConnection;
import warden.door.DoorEngines;
import warden.door.DoorListener;

/** greylistd's protocol, one request per connection. (Being built: issue 10.) */
public final class GreylistdServer implements DoorListener.Handler {

    private final DoorEngines engines;

    public GreylistdServer(DoorEngines engines) {
        this.engines = engines;
    }

    @Override
    public void serve(DoorConnection connection) throws Exception {
        throw new UnsupportedOperationException("the greylistd door is not built yet");
    }
}
