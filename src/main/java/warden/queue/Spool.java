package warden.queue;

import warden.durable.DurableDirectory;
import warden.durable.FileModes;
import warden.durable.GroupSync;
import warden.durable.StagedFile;
import warden.message.ReceivedMessage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The outbound spool: one durable file per message for recipients outside our domains, named by
 * its queue id, in {@code <spool>/incoming/}.
 *
 * <p>Written like a Maildir delivery ({@link StagedFile}): {@code tmp/ID}, fsync, rename to
 * {@code incoming/ID}, fsync of {@code incoming/} shared by concurrent writers. The file format is
 * a small text envelope, a blank line, then the message exactly as it will be sent (CRLF line ends,
 * before dot-stuffing):
 * <pre>
 * warden-spool 1
 * id 1a2b3c-000001
 * arrival 2026-11-24T13:20:28Z
 * sender &lt;alice@example.org&gt;
 * recipient &lt;bob@example.net&gt;
 * recipient &lt;carol@example.net&gt;
 * size 5433
 *
 * Received: from ...
 * </pre>
 * Lines end in LF; addresses are in angle brackets so the null sender is {@code <>}; {@code size}
 * is the length of the message in bytes, so a truncated file is recognised as corrupt.
 *
 * <p>A received message is copied in from its data file ({@link ReceivedMessage#writeTo}, a
 * file-to-file {@code transferTo} the kernel does without the heap). It is a copy, not a link
 * or a rename of the data file: the spool file starts with its own envelope and trace header.
 * {@link #read} reads the envelope back and gives the message as a {@link ReceivedMessage} over
 * the rest of the file ({@link ReceivedMessage#stored}): nothing in the queue loads a body.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.1.4 (the DATA content) and 6.1 (once accepted, a message must be delivered
 * or bounced, never lost). Directory names after Postfix's queue ({@code incoming}).
 *
 * <p>Not done: the queue manager (moving to {@code active}/{@code deferred}, retries, bounces).
 */
public final class Spool {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final String MAGIC = "warden-spool 1";
    /**
     * The longest envelope {@link #read} looks at: far above what {@code max_recipients}
     * addresses of at most 256 octets (RFC 5321 4.5.3.1.3) need.
     */
    static final int MAX_ENVELOPE = 4 * 1024 * 1024;

    private final Path directory;
    private final Clock clock;
    private final GroupSync incomingSync;
    private volatile boolean ready;

    /**
     * @param directory the spool directory (created on demand)
     * @param clock the arrival time written into each file
     */
    public Spool(Path directory, Clock clock) {
        this(directory, clock, true);
    }

    /** As above; {@code groupCommit} false makes every writer fsync {@code incoming/} itself. */
    public Spool(Path directory, Clock clock, boolean groupCommit) {
        this.directory = directory;
        this.clock = clock;
        this.incomingSync = new GroupSync(directory.resolve("incoming"), groupCommit);
    }

    /** Where durable spool files are. */
    public Path incoming() { return directory.resolve("incoming"); }

    /**
     * Writes and fsyncs the spool file under {@code tmp/}: {@code head} (the Received block, CRLF
     * line ends), then the message as received, copied from its data file without passing
     * through the heap. Commit and sync it as a {@link StagedFile}.
     *
     * @param queueId the message's queue id, unique, letters, digits, {@code -} and {@code _}
     * @throws IOException if it cannot be written, or the queue id is already in the spool
     */
    public StagedFile stage(String queueId, String reversePath, List<String> recipients, ByteBuffer head,
                            ReceivedMessage message) throws IOException {
        return stage(queueId, reversePath, recipients, head.remaining() + message.size(),
                envelope -> ch -> message.writeTo(ch, envelope, head.duplicate()));
    }

    private StagedFile stage(String queueId, String reversePath, List<String> recipients, long size,
                             Function<ByteBuffer, StagedFile.Content> content) throws IOException {
        if (!ID.matcher(queueId).matches()) throw new IOException("not a usable queue id: " + queueId);
        if (recipients.isEmpty()) throw new IOException("a spool file needs a recipient");
        StringBuilder env = new StringBuilder(MAGIC).append('\n')
                .append("id ").append(queueId).append('\n')
                .append("arrival ").append(clock.instant()).append('\n')
                .append("sender <").append(oneLine(reversePath)).append(">\n");
        for (String r : recipients) env.append("recipient <").append(oneLine(r)).append(">\n");
        env.append("size ").append(size).append("\n\n");
        byte[] envelope = env.toString().getBytes(StandardCharsets.UTF_8);
        Path target = incoming().resolve(queueId);
        if (!ready) create();
        if (Files.exists(target)) throw new FileAlreadyExistsException(target.toString(), null, "queue id in use");
        try {
            return StagedFile.write(directory.resolve("tmp").resolve(queueId), target, incomingSync, FileModes.PRIVATE,
                    content.apply(ByteBuffer.wrap(envelope)));
        } catch (NoSuchFileException gone) {
            ready = false;
            create();
            return StagedFile.write(directory.resolve("tmp").resolve(queueId), target, incomingSync, FileModes.PRIVATE,
                    content.apply(ByteBuffer.wrap(envelope)));
        }
    }

    /**
     * Reads a spool file back: its envelope, and the message as a {@link ReceivedMessage} over the
     * rest of the file, so that nothing here reads the body (or more than the bounded header
     * block) into the heap.
     *
     * @throws IOException if the file cannot be read or is corrupt (no envelope, an unknown line,
     *         a {@code size} that is not the length of what follows: a truncated file)
     */
    public static QueuedMessage read(Path file) throws IOException {
        byte[] head = new byte[Math.max(1, (int) Math.min(Files.size(file), MAX_ENVELOPE))];
        int have = 0;
        int end = -1;
        try (InputStream in = Files.newInputStream(file)) {
            while (end < 0 && have < head.length) {
                int n = in.read(head, have, head.length - have);
                if (n < 0) break;
                for (int i = Math.max(1, have); i < have + n; i++) {
                    if (head[i] == '\n' && head[i - 1] == '\n') { end = i - 1; break; }
                }
                have += n;
            }
        }
        if (end < 0) throw corrupt(file, "no blank line after the envelope" + (have == MAX_ENVELOPE
                ? " in its first " + MAX_ENVELOPE + " octets" : ""));
        String[] lines = new String(head, 0, end, StandardCharsets.UTF_8).split("\n");
        if (!lines[0].equals(MAGIC)) throw corrupt(file, "does not start with '" + MAGIC + "'");
        String id = null, sender = null;
        Instant arrival = null;
        long size = -1;
        List<String> recipients = new ArrayList<>();
        try {
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int sp = line.indexOf(' ');
                String key = sp < 0 ? line : line.substring(0, sp);
                String value = sp < 0 ? "" : line.substring(sp + 1);
                switch (key) {
                    case "id" -> id = value;
                    case "arrival" -> arrival = Instant.parse(value);
                    case "sender" -> sender = unbracket(value);
                    case "recipient" -> recipients.add(unbracket(value));
                    case "size" -> size = Long.parseLong(value);
                    default -> throw corrupt(file, "unknown envelope line '" + line + "'");
                }
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw corrupt(file, e.getMessage());
        }
        long contentStart = end + 2;
        if (id == null || arrival == null || sender == null || recipients.isEmpty() || size < 0
                || Files.size(file) != contentStart + size) {
            throw corrupt(file, "incomplete envelope or truncated message");
        }
        List<QueuedRecipient> rcpts = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(new QueuedRecipient(rcpts.size(), r, warden.dsn.RecipientDsn.NONE, new RecipientState.Pending()));
        }
        return new QueuedMessage(file, id, arrival, sender, warden.dsn.MessageDsn.NONE, rcpts,
                ReceivedMessage.stored(file, contentStart, size));
    }

    private void create() throws IOException {
        DurableDirectory.create(directory.resolve("tmp"));
        DurableDirectory.create(incoming());
        ready = true;
    }

    private static String unbracket(String v) throws IOException {
        if (v.length() < 2 || v.charAt(0) != '<' || v.charAt(v.length() - 1) != '>') {
            throw new IOException("address not in angle brackets: " + v);
        }
        return v.substring(1, v.length() - 1);
    }

    private static String oneLine(String s) throws IOException {
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) throw new IOException("line break in address: " + s);
        return s;
    }

    private static IOException corrupt(Path file, String why) {
        return new IOException(file + ": corrupt spool file: " + why);
    }
}
