package warden.greylist;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Opens the greylist store named by the {@code greylist.store} setting: {@code sqlite} (the
 * default: {@value SqliteGreylistStore#FILE_NAME} under the data directory) or a
 * {@code redis://host:port/db} URL.
 *
 * <h2>Standards</h2>
 * The {@code redis://} URL scheme as registered with IANA (host, port, database number as path).
 */
public final class GreylistStores {

    private GreylistStores() {}

    /**
     * @param store the {@code greylist.store} value
     * @param dataDir the configured {@code data_dir}
     * @throws IllegalArgumentException naming the setting and the accepted forms, if {@code store} is neither
     */
    public static GreylistStore open(String store, Path dataDir, Clock clock) {
        String value = store == null ? "sqlite" : store.strip();
        if (value.isEmpty() || value.equalsIgnoreCase("sqlite")) return SqliteGreylistStore.open(dataDir, clock);
        if (value.startsWith("redis://") || value.startsWith("rediss://")) {
            try {
                URI uri = new URI(value);
                if (uri.getHost() == null) throw new URISyntaxException(value, "no host");
                return new RedisGreylistStore(uri, clock);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("greylist.store: '" + value + "' is not a valid URL; write it as redis://127.0.0.1:6379/0");
            }
        }
        throw new IllegalArgumentException("greylist.store: '" + value
                + "' is not a store; write 'sqlite' (a file under data_dir) or a URL such as redis://127.0.0.1:6379/0");
    }
}
