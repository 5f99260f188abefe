package warden.delivery;

import warden.message.DataFiles;

import java.io.IOException;

/**
 * Durable delivery of an accepted message: local copies to Maildir, remote recipients to the
 * spool. {@link #deliver} returns only when every copy is on disk (fsync'd file and directory);
 * if it throws, nothing is left half-written and the client gets 451.
 */
public interface MessageStore {

    /** Delivers and returns one line per copy for the main log. */
    DeliveryReport deliver(InboundMessage message) throws IOException;

    /**
     * Where messages are written while they are received, on the store's own file system so
     * that copying them into place stays inside it. By default a directory under the system's
     * temporary directory, for stores that keep nothing on disk.
     */
    default DataFiles dataFiles() {
        return DataFiles.temporary();
    }
}
