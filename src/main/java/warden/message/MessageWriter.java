package warden.message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Writes one message to its data file as it is received, octet by octet, through a bounded
 * buffer; {@link #finish()} hands it on as a {@link ReceivedMessage}.
 *
 * <p>Memory: the buffer grows to {@link #MEMORY_LIMIT} while the message is small; a larger
 * message goes to a data file from then on, written through a buffer of {@value #FILE_BUFFER}
 * octets. Whatever the message's size, one writer holds at most that much.
 *
 * <p>Octets beyond {@code maxSize} are not kept ({@link #add} says so); the caller goes on
 * reading to the end of DATA and refuses the message. A failure to write (disk full) is kept
 * too, not thrown: the caller reads to the end of DATA, then {@link #finish()} throws it and the
 * client is told to try again later, rather than losing the connection mid-message.
 *
 * <p>Every path out removes the data file: {@link #finish()} failing, {@link #abandon()} (a
 * client lost, a refusal, any error), and later {@link ReceivedMessage#discard()}. Not
 * thread-safe: one session writes it.
 */
public final class MessageWriter {

    /** Messages of at most this many octets stay in memory and get no data file. */
    public static final int MEMORY_LIMIT = 16 * 1024;
    /** The write buffer once a message goes to its file. */
    static final int FILE_BUFFER = 64 * 1024;

    private final DataFiles files;
    private final long maxSize;
    private final int memoryLimit;
    private byte[] buf;
    private int len;
    /** Octets already written to the file (or dropped after a failure). */
    private long flushed;
    private Path file;
    private FileChannel channel;
    private long crlfs;
    private boolean lastCr;
    private IOException failure;

    MessageWriter(DataFiles files, long maxSize, int memoryLimit) {
        this.files = files;
        this.maxSize = maxSize;
        this.memoryLimit = memoryLimit;
        this.buf = new byte[Math.max(256, Math.min(memoryLimit, 8 * 1024))];
    }

    /** Appends one octet; false (and nothing kept) once the message would pass {@code maxSize}. */
    public boolean add(byte b) {
        if (flushed + len >= maxSize) return false;
        if (len == buf.length) makeRoom();
        buf[len++] = b;
        if (b == '\n' && lastCr) crlfs++;
        lastCr = b == '\r';
        return true;
    }

    /** Appends CRLF; false once the message would pass {@code maxSize}. */
    public boolean crlf() {
        return add((byte) '\r') && add((byte) '\n');
    }

    /** Octets appended so far (kept or, after a storage failure, dropped). */
    public long size() {
        return flushed + len;
    }

    private void makeRoom() {
        if (failure != null) { // nothing is kept any more; only the count goes on
            flushed += len;
            len = 0;
            return;
        }
        if (channel == null && buf.length < memoryLimit) {
            buf = Arrays.copyOf(buf, Math.min(memoryLimit, buf.length * 2));
            return;
        }
        try {
            spill();
            if (buf.length < FILE_BUFFER) buf = new byte[FILE_BUFFER];
        } catch (IOException e) {
            failure = e;
            flushed += len;
            len = 0;
            removeFile();
        }
    }

    /** Writes the buffer to the data file, creating it first. */
    private void spill() throws IOException {
        if (channel == null) {
            file = files.create();
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
        }
        ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
        while (b.hasRemaining()) channel.write(b);
        flushed += len;
        len = 0;
    }

    /**
     * The message as received. The writer is done with afterwards, whatever happens.
     *
     * @throws IOException if the data file could not be written (its file is gone then)
     */
    public ReceivedMessage finish() throws IOException {
        if (failure != null) {
            abandon();
            throw failure;
        }
        if (buf == null) throw new IllegalStateException("the message was already finished or abandoned");
        long size = flushed + len;
        if (channel == null && len <= memoryLimit) {
            byte[] content = buf;
            buf = null;
            return ReceivedMessage.inMemory(content, len, size - crlfs);
        }
        try {
            spill();
            channel.close();
            channel = null;
            buf = null;
            return ReceivedMessage.inFile(file, size, size - crlfs);
        } catch (IOException | RuntimeException | Error e) {
            abandon();
            throw e;
        }
    }

    /** Drops the message: the data file, if there is one, is removed. Never throws; may be called again. */
    public void abandon() {
        buf = null;
        removeFile();
    }

    private void removeFile() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // it is being removed anyway
            }
            channel = null;
        }
        if (file != null) {
            ReceivedMessage.delete(file);
            file = null;
        }
    }

    /** The data file while the message is being written (tests). */
    Path file() {
        return file;
    }
}
