package warden.message;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A message as received in DATA: header and body, CRLF line ends, dot-unstuffed, exactly the
 * octets the client sent. The one type the session, the DATA checks, the Maildir copies and the
 * spool pass between them.
 *
 * <p>The content is in a data file ({@link DataFiles}), or, for a message of at most
 * {@link MessageWriter#MEMORY_LIMIT} octets, in memory. Either way it is only ever streamed:
 * {@link #writeTo} (the wire form, for the spool; a file-to-file {@code transferTo}, which the
 * kernel copies), {@link #writeLfTo} (each CRLF as LF, for a Maildir) and {@link #open()}. Nothing
 * here loads the body of a large message into the heap. The checks read {@link #header()}, a
 * bounded copy of the header section made once, when the message is complete.
 *
 * <p>{@link #discard()} (or {@code close}) removes the data file; the session calls it once the
 * message is delivered or refused. Copies made from it before are unaffected.
 *
 * <p>A message stored in a file that holds more than the message, such as a spool file (an
 * envelope, then the message), is {@link #stored a region of that file}: read the same way,
 * streamed, and never removed by {@link #discard()} (the file belongs to its store).
 */
public final class ReceivedMessage implements AutoCloseable {

    private static final int CHUNK = 64 * 1024;

    private final byte[] bytes; // in memory, else null
    private final int length;
    private final Path file; // in a file, else null
    private final long offset; // where the message starts in the file
    private final boolean owned; // the file is this message's data file, removed by discard()
    private final long size;
    private volatile long lfSize; // -1 until counted (a stored message)
    private final HeaderBlock header;
    private byte[] lf; // the LF form of an in-memory message, made on first use

    private ReceivedMessage(byte[] bytes, int length, Path file, long offset, boolean owned, long size, long lfSize,
                            HeaderBlock header) {
        this.bytes = bytes;
        this.length = length;
        this.file = file;
        this.offset = offset;
        this.owned = owned;
        this.size = size;
        this.lfSize = lfSize;
        this.header = header;
    }

    /** A message held in memory: for small messages, tools and tests. The array is not copied. */
    public static ReceivedMessage of(byte[] content) {
        return inMemory(content, content.length, content.length - crlfs(content, content.length));
    }

    static ReceivedMessage inMemory(byte[] content, int length, long lfSize) {
        return new ReceivedMessage(content, length, null, 0, false, length, lfSize, HeaderBlock.scan(content, length, true));
    }

    /** A message in {@code file}: reads its header block; removes the file if that fails. */
    static ReceivedMessage inFile(Path file, long size, long lfSize) throws IOException {
        try {
            return new ReceivedMessage(null, 0, file, 0, true, size, lfSize, readHeader(file, 0, size));
        } catch (IOException | RuntimeException | Error e) {
            delete(file);
            throw e;
        }
    }

    /**
     * A message stored in {@code file} from {@code offset} to the end of the file ({@code size}
     * octets, CRLF line ends), in a file that belongs to someone else (a spool file): only its
     * header block is read now; {@link #discard()} leaves the file alone.
     *
     * @throws IOException if the file cannot be read, or is not {@code offset + size} octets long
     */
    public static ReceivedMessage stored(Path file, long offset, long size) throws IOException {
        if (offset < 0 || size < 0) throw new IllegalArgumentException("negative offset or size");
        long length = Files.size(file);
        if (length != offset + size) {
            throw new IOException(file + ": " + (length - offset) + " octets after the envelope, not " + size);
        }
        return new ReceivedMessage(null, 0, file, offset, false, size, -1, readHeader(file, offset, size));
    }

    private static HeaderBlock readHeader(Path file, long offset, long size) throws IOException {
        int want = (int) Math.min(size, HeaderBlock.MAX_OCTETS + 2);
        byte[] start = new byte[Math.min(want, 8 * 1024)];
        int have = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.position(offset);
            while (have < want) {
                if (have == start.length) {
                    // Stop as soon as the header's end is in what was read: most headers are small.
                    HeaderBlock h = HeaderBlock.scan(start, have, false);
                    if (!h.truncated()) return h;
                    start = java.util.Arrays.copyOf(start, Math.min(want, start.length * 2));
                }
                int n = ch.read(ByteBuffer.wrap(start, have, start.length - have));
                if (n < 0) throw new IOException(file + ": data file shorter than the message (" + have + " of " + size + " octets)");
                have += n;
            }
        }
        return HeaderBlock.scan(start, have, have == size);
    }

    /** Octets as received (CRLF line ends): the {@code S=} of the main log and the SIZE the client was held to. */
    public long size() { return size; }

    /**
     * Octets once every CRLF is an LF: the size of the message in a Maildir copy. Known from
     * the start for a received message; counted (streaming the file) on first use for a stored one.
     */
    public long lfSize() throws IOException {
        long n = lfSize;
        if (n < 0) lfSize = n = size - countCrlfs();
        return n;
    }

    private long countCrlfs() throws IOException {
        long n = 0;
        byte[] chunk = new byte[CHUNK];
        boolean lastCr = false;
        try (InputStream in = open()) {
            for (int r; (r = in.read(chunk)) > 0; ) {
                for (int i = 0; i < r; i++) {
                    if (chunk[i] == '\n' && lastCr) n++;
                    lastCr = chunk[i] == '\r';
                }
            }
        }
        return n;
    }

    /** The header section, bounded ({@link HeaderBlock}): what the DATA checks read. */
    public HeaderBlock header() { return header; }

    /** The data file, when the message has one. */
    public Optional<Path> file() { return Optional.ofNullable(file); }

    /** Reads the content from the start, as received (exactly {@link #size()} octets). */
    public InputStream open() throws IOException {
        if (file == null) return new ByteArrayInputStream(bytes, 0, length);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ch.position(offset);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new BoundedInputStream(Channels.newInputStream(ch), size);
    }

    /** At most {@code left} octets of {@code in}: a region that ends before its file does. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long left;

        BoundedInputStream(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = in.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(Math.min(n, left));
            if (s > 0) left -= s;
            return s;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), left);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** Writes {@code prefix}, then the content as received (CRLF), to {@code out}. */
    public void writeTo(GatheringByteChannel out, ByteBuffer... prefix) throws IOException {
        if (file == null) {
            ByteBuffer[] all = java.util.Arrays.copyOf(prefix, prefix.length + 1);
            all[prefix.length] = ByteBuffer.wrap(bytes, 0, length);
            writeFully(out, all);
            return;
        }
        writeFully(out, prefix);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = 0;
            while (pos < size) {
                long n = in.transferTo(offset + pos, size - pos, out);
                if (n <= 0 && in.size() <= offset + pos) throw new IOException(file + ": file shorter than the message");
                pos += n;
            }
        }
    }

    /** Writes {@code prefix}, then the content with each CRLF as LF (lone CR and LF kept), to {@code out}. */
    public void writeLfTo(GatheringByteChannel out, ByteBuffer prefix) throws IOException {
        if (file == null) {
            if (lf == null) lf = toLf(bytes, length);
            writeFully(out, prefix, ByteBuffer.wrap(lf));
            return;
        }
        writeFully(out, prefix);
        byte[] chunk = new byte[CHUNK];
        long left = size;
        boolean pendingCr = false; // a CR at the end of the last chunk: kept unless an LF follows
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            in.position(offset);
            while (left > 0) {
                int n = in.read(ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, left)));
                if (n < 0) throw new IOException(file + ": file shorter than the message");
                if (n == 0) continue;
                left -= n;
                if (pendingCr && chunk[0] != '\n') writeFully(out, ByteBuffer.wrap(new byte[] {'\r'}));
                pendingCr = false;
                // In place: the output never runs ahead of the input.
                int o = 0;
                for (int i = 0; i < n; i++) {
                    byte b = chunk[i];
                    if (b == '\r') {
                        if (i + 1 == n) {
                            pendingCr = true;
                            continue;
                        }
                        if (chunk[i + 1] == '\n') continue;
                    }
                    chunk[o++] = b;
                }
                writeFully(out, ByteBuffer.wrap(chunk, 0, o));
            }
        }
        if (pendingCr) writeFully(out, ByteBuffer.wrap(new byte[] {'\r'}));
    }

    /**
     * Removes the data file, if there is one; a {@link #stored} message's file is not this
     * message's to remove and stays. Never throws; may be called again.
     */
    public void discard() {
        if (file != null && owned) delete(file);
    }

    @Override
    public void close() {
        discard();
    }

    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException | UncheckedIOException e) {
            // XXX a data file we cannot remove stays until the next start removes it
        }
    }

    private static void writeFully(GatheringByteChannel out, ByteBuffer... parts) throws IOException {
        long left = 0;
        for (ByteBuffer b : parts) left += b.remaining();
        while (left > 0) left -= out.write(parts);
    }

    /**
     * The first {@code length} octets of {@code crlf} with every CRLF turned into LF; lone CR and
     * LF bytes are kept. Also for the header block a Maildir copy starts with.
     */
    public static byte[] toLf(byte[] crlf, int length) {
        byte[] out = new byte[length];
        int n = 0;
        for (int i = 0; i < length; i++) {
            byte b = crlf[i];
            if (b == '\r' && i + 1 < length && crlf[i + 1] == '\n') continue;
            out[n++] = b;
        }
        return n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    private static long crlfs(byte[] b, int length) {
        long n = 0;
        for (int i = 1; i < length; i++) if (b[i] == '\n' && b[i - 1] == '\r') n++;
        return n;
    }

    @Override
    public String toString() {
        return "ReceivedMessage[" + size + " octets" + (file == null ? ", in memory"
                : ", " + file + (owned ? "" : " from octet " + offset)) + "]";
    }
}
