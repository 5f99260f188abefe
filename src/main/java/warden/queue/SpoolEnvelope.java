package warden.queue;

import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.Ret;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The envelope at the top of a spool file (version 2), written once with the message and never
 * changed: what {@code warden queue list} and the queue manager's scan read, without the body.
 *
 * <pre>
 * warden-spool 2
 * id 1a2B3c-Xy12AbCd-000001
 * arrival 2026-11-24T13:20:28Z
 * sender &lt;alice@example.org&gt;
 * ret HDRS
 * envid QQ+2B1
 * recipient &lt;bob@example.net&gt; notify=FAILURE,DELAY orcpt=rfc822;bob@example.net
 * recipient &lt;carol@example.net&gt;
 * size 5433
 *
 * Received: from ...
 * </pre>
 * Lines end in LF. {@code ret}, {@code envid} and a recipient's {@code notify=}/{@code orcpt=}
 * appear only when the client gave them (RFC 3461); {@code envid} and {@code orcpt} are xtext
 * ({@link FieldText}), which never holds a space or an angle bracket, so the address is everything
 * from the first {@code <} to the last {@code >}. {@code size} is the length of the message
 * that follows the blank line, so a truncated file is recognised as corrupt. Version 1 files
 * (no DSN lines) read as well: they are what {@link Spool#migrate()} converts.
 *
 * @param id the queue id, also the file name
 * @param arrival when the message was spooled
 * @param reversePath the envelope sender, {@code ""} for the null sender
 * @param dsn {@code RET} and {@code ENVID}
 * @param recipients in envelope order; the journal names them by their index here
 * @param size octets of message after the envelope
 * @param contentOffset where the message starts in the file
 * @param version 1 or 2
 */
public record SpoolEnvelope(String id, Instant arrival, String reversePath, MessageDsn dsn, List<Recipient> recipients,
                            long size, long contentOffset, int version) {

    static final String MAGIC = "warden-spool ";
    /**
     * The longest envelope {@link #read} looks at: far above what {@code max_recipients}
     * addresses of at most 256 octets (RFC 5321 4.5.3.1.3) with their parameters need.
     */
    static final int MAX_ENVELOPE = 4 * 1024 * 1024;

    public SpoolEnvelope {
        recipients = List.copyOf(recipients);
    }

    /** The envelope text of a version 2 file, blank line included. @throws IOException for a line break in a field */
    byte[] bytes() throws IOException {
        StringBuilder env = new StringBuilder(256 + 64 * recipients.size()).append(MAGIC).append("2\n")
                .append("id ").append(id).append('\n')
                .append("arrival ").append(arrival).append('\n')
                .append("sender <").append(oneLine(reversePath)).append(">\n");
        dsn.ret().ifPresent(r -> env.append("ret ").append(r).append('\n'));
        dsn.envid().ifPresent(e -> env.append("envid ").append(FieldText.encode(e)).append('\n'));
        for (Recipient r : recipients) {
            env.append("recipient <").append(oneLine(r.address())).append('>');
            if (!r.dsn().notifications().isEmpty()) {
                env.append(" notify=").append(String.join(",", r.dsn().notifications().stream()
                        .sorted().map(Enum::name).toList()));
            }
            r.dsn().orcpt().ifPresent(o -> env.append(" orcpt=").append(FieldText.encode(o)));
            env.append('\n');
        }
        env.append("size ").append(size).append("\n\n");
        return env.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads the envelope of a spool file, in small pieces up to the blank line: a message of
     * gigabytes costs no more than its envelope.
     *
     * @throws java.nio.file.NoSuchFileException if the file is gone
     * @throws IOException if it is corrupt: no envelope, an unknown line, or a {@code size}
     *         that is not the length of what follows (a truncated file)
     */
    public static SpoolEnvelope read(Path file) throws IOException {
        byte[] head = new byte[1024];
        int have = 0;
        int end = -1;
        long fileSize;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            fileSize = in.size();
            while (end < 0 && have < MAX_ENVELOPE) {
                if (have == head.length) head = Arrays.copyOf(head, Math.min(MAX_ENVELOPE, head.length * 4));
                int n = in.read(ByteBuffer.wrap(head, have, head.length - have));
                if (n < 0) break;
                for (int i = Math.max(1, have); i < have + n; i++) {
                    if (head[i] == '\n' && head[i - 1] == '\n') { end = i - 1; break; }
                }
                have += n;
            }
        }
        if (end < 0) throw corrupt(file, "no blank line after the envelope" + (have >= MAX_ENVELOPE
                ? " in its first " + MAX_ENVELOPE + " octets" : ""));
        String[] lines = new String(head, 0, end, StandardCharsets.UTF_8).split("\n");
        int version;
        if (lines[0].equals(MAGIC + "1")) version = 1;
        else if (lines[0].equals(MAGIC + "2")) version = 2;
        else throw corrupt(file, "does not start with '" + MAGIC + "1' or '" + MAGIC + "2'");
        String id = null, sender = null;
        Instant arrival = null;
        long size = -1;
        Optional<Ret> ret = Optional.empty();
        Optional<String> envid = Optional.empty();
        List<Recipient> recipients = new ArrayList<>();
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
                    case "ret" -> ret = Optional.of(Ret.valueOf(value.toUpperCase(Locale.ROOT)));
                    case "envid" -> envid = Optional.of(FieldText.decode(value));
                    case "recipient" -> recipients.add(recipient(value));
                    case "size" -> size = Long.parseLong(value);
                    default -> throw corrupt(file, "unknown envelope line '" + line + "'");
                }
            }
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw corrupt(file, e.getMessage());
        }
        long contentStart = end + 2;
        if (id == null || arrival == null || sender == null || recipients.isEmpty() || size < 0
                || fileSize != contentStart + size) {
            throw corrupt(file, "incomplete envelope or truncated message");
        }
        return new SpoolEnvelope(id, arrival, sender, new MessageDsn(ret, envid), recipients, size, contentStart, version);
    }

    /** {@code <addr> [notify=A,B] [orcpt=xtext]}: the address runs to the last {@code >}. */
    private static Recipient recipient(String value) throws IOException {
        int close = value.lastIndexOf('>');
        if (close < 0) throw new IOException("address not in angle brackets: " + value);
        String address = unbracket(value.substring(0, close + 1));
        Set<Notify> notify = EnumSet.noneOf(Notify.class);
        Optional<String> orcpt = Optional.empty();
        for (String p : value.substring(close + 1).trim().split(" ")) {
            if (p.isEmpty()) continue;
            if (p.startsWith("notify=")) {
                for (String n : p.substring(7).split(",")) notify.add(Notify.valueOf(n.toUpperCase(Locale.ROOT)));
            } else if (p.startsWith("orcpt=")) {
                orcpt = Optional.of(FieldText.decode(p.substring(6)));
            } else {
                throw new IOException("unknown recipient parameter '" + p + "'");
            }
        }
        return new Recipient(address, new RecipientDsn(notify, orcpt));
    }

    private static String unbracket(String v) throws IOException {
        if (v.length() < 2 || v.charAt(0) != '<' || v.charAt(v.length() - 1) != '>') {
            throw new IOException("address not in angle brackets: " + v);
        }
        return v.substring(1, v.length() - 1);
    }

    static String oneLine(String s) throws IOException {
        if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) throw new IOException("line break in address: " + s);
        return s;
    }

    private static IOException corrupt(Path file, String why) {
        return new IOException(file + ": corrupt spool file: " + why);
    }
}
