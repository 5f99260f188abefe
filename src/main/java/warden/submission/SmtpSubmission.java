package warden.submission;

import warden.dsn.XText;
import warden.mail.ClientText;
import warden.outbound.DotStuffing;
import warden.outbound.PeerReply;
import warden.outbound.ReplyReader;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Hands one message to a mail server over SMTP, one command at a time and all or nothing: the
 * message goes only when the server accepted the sender and every recipient, and the result is
 * {@link Sysexits#OK} only when it answered 2xx to the end of the data. A recipient the server
 * refuses stops the submission (RSET, QUIT) and nobody gets the message, so a caller that
 * retries on a non-zero exit never sends anybody a second copy.
 *
 * <p>The content comes from the file {@link MessageIntake} wrote (CRLF lines) and is dot-stuffed
 * as it streams ({@link DotStuffing}); replies are read by {@link ReplyReader}, bounded and timed,
 * the same reader the outbound SMTP client uses. {@code BODY=8BITMIME} and {@code SMTPUTF8} are sent when the message needs them
 * and the server offers them; {@code NOTIFY}, {@code RET} and {@code ENVID} when given and the
 * server offers DSN. Every reply text the server sent is escaped before it is shown.
 *
 * <h2>Standards</h2>
 * RFC 5321 sections 3.3 (the mail transaction), 4.2 (multi-line replies), 4.5.2 (dot-stuffing),
 * 4.5.3.2 (timeouts: 5 minutes per command, 10 after the final dot); RFC 6152 (8BITMIME); RFC 6531
 * (SMTPUTF8); RFC 3461 sections 4.1-4.4 (NOTIFY, ORCPT unused, RET, ENVID as xtext).
 *
 * <p>Not done: PIPELINING, STARTTLS and AUTH (the server is on loopback and trusts it); a
 * second attempt on another listener.
 */
public final class SmtpSubmission {

    /**
     * What the server is told in MAIL and RCPT.
     *
     * @param sender the reverse path, {@code ""} for the null sender
     * @param recipients the forward paths, at least one
     * @param dsnNotify the NOTIFY parameter for each recipient, if any
     * @param ret the RET parameter, if any
     * @param envelopeId the ENVID parameter (sent as xtext), if any
     */
    public record Envelope(String sender, List<String> recipients, Optional<String> dsnNotify, Optional<String> ret,
                           Optional<String> envelopeId) {
        public Envelope {
            recipients = List.copyOf(recipients);
        }
    }

    /**
     * The outcome: an exit status, and one line for standard error per problem (none on success).
     *
     * @param confirmation the server's final reply when it took the message
     */
    public record Result(int status, List<String> problems, Optional<String> confirmation) {
        static Result failed(int status, String problem) {
            return new Result(status, List.of(problem), Optional.empty());
        }
    }

    private final InetSocketAddress server;
    private final String heloName;
    private final Duration connectTimeout;
    private final Duration commandTimeout;
    private final Duration finalDotTimeout;
    private final PrintWriter transcript;

    /**
     * @param server where to submit
     * @param heloName the name for EHLO
     * @param transcript where to echo the dialogue ({@code -v}), or null
     */
    public SmtpSubmission(InetSocketAddress server, String heloName, PrintWriter transcript) {
        this(server, heloName, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(10), transcript);
    }

    SmtpSubmission(InetSocketAddress server, String heloName, Duration connectTimeout, Duration commandTimeout,
                   Duration finalDotTimeout, PrintWriter transcript) {
        this.server = server;
        this.heloName = heloName;
        this.connectTimeout = connectTimeout;
        this.commandTimeout = commandTimeout;
        this.finalDotTimeout = finalDotTimeout;
        this.transcript = transcript;
    }

    /** The server as shown in messages: {@code 127.0.0.1:2525}. */
    public String serverName() {
        return warden.mail.IpText.of(server.getAddress()) + ":" + server.getPort();
    }

    /** Submits {@code message}; never throws for what the server or the network does. */
    public Result submit(Envelope envelope, MessageIntake.Intake message) {
        try (Socket socket = new Socket()) {
            try {
                socket.connect(server, (int) connectTimeout.toMillis());
            } catch (IOException e) {
                return Result.failed(Sysexits.TEMPFAIL, "cannot connect to the mail server at " + serverName() + " ("
                        + warden.log.Cause.of(e) + "); is 'warden serve' running? The message was not sent");
            }
            Dialogue d = new Dialogue(new ReplyReader(socket), new BufferedOutputStream(socket.getOutputStream()));
            return transaction(d, envelope, message);
        } catch (SocketTimeoutException e) {
            return Result.failed(Sysexits.TEMPFAIL, "the mail server at " + serverName()
                    + " did not answer in time; the message may not have been sent");
        } catch (IOException e) {
            return Result.failed(Sysexits.TEMPFAIL, "lost the connection to the mail server at " + serverName() + " ("
                    + warden.log.Cause.of(e) + "); the message was not accepted");
        }
    }

    private Result transaction(Dialogue d, Envelope envelope, MessageIntake.Intake message) throws IOException {
        PeerReply banner = d.read(commandTimeout);
        if (!banner.positive()) return refused(d, banner, "greeting", banner.code() >= 500 ? Sysexits.UNAVAILABLE : Sysexits.TEMPFAIL);
        PeerReply ehlo = d.command("EHLO " + heloName);
        if (ehlo.code() >= 500) ehlo = d.command("HELO " + heloName);
        if (!ehlo.positive()) return refused(d, ehlo, "EHLO", ehlo.code() >= 500 ? Sysexits.UNAVAILABLE : Sysexits.TEMPFAIL);
        List<String> extensions = extensions(ehlo);

        boolean utf8 = !ascii(envelope.sender()) || envelope.recipients().stream().anyMatch(r -> !ascii(r));
        if (utf8 && !extensions.contains("SMTPUTF8")) {
            quit(d);
            return Result.failed(Sysexits.DATAERR, "an address is not ASCII and the server at " + serverName()
                    + " does not offer SMTPUTF8 (RFC 6531)");
        }
        boolean dsn = extensions.contains("DSN");
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
        if (message.eightBit() && extensions.contains("8BITMIME")) mail.append(" BODY=8BITMIME");
        if (utf8) mail.append(" SMTPUTF8");
        if (dsn) {
            envelope.ret().ifPresent(r -> mail.append(" RET=").append(r));
            envelope.envelopeId().ifPresent(id -> mail.append(" ENVID=").append(XText.encode(id)));
        }
        PeerReply from = d.command(mail.toString());
        if (!from.positive()) return refused(d, from, "MAIL FROM:<" + envelope.sender() + ">",
                from.code() >= 500 ? Sysexits.DATAERR : Sysexits.TEMPFAIL);

        List<String> problems = new ArrayList<>();
        boolean permanent = false;
        for (String rcpt : envelope.recipients()) {
            String command = "RCPT TO:<" + rcpt + ">" + (dsn ? envelope.dsnNotify().map(n -> " NOTIFY=" + n).orElse("") : "");
            PeerReply r = d.command(command);
            if (!r.positive()) {
                permanent |= r.code() >= 500;
                problems.add("<" + ClientText.escape(rcpt) + ">: refused by " + serverName() + ": " + r);
            }
        }
        if (!problems.isEmpty()) {
            d.command("RSET");
            quit(d);
            problems.add("the message was not sent to anybody; correct or remove "
                    + (problems.size() == 1 ? "that recipient" : "those recipients") + (permanent ? "" : ", or try again later"));
            return new Result(permanent ? Sysexits.NOUSER : Sysexits.TEMPFAIL, problems, Optional.empty());
        }

        PeerReply data = d.command("DATA");
        if (data.code() != 354) return refused(d, data, "DATA", data.code() >= 500 ? Sysexits.DATAERR : Sysexits.TEMPFAIL);
        try (InputStream content = new BufferedInputStream(Files.newInputStream(message.file()), 1 << 16)) {
            d.sendContent(content);
        }
        PeerReply end = d.read(finalDotTimeout);
        if (!end.positive()) return refused(d, end, "the end of the message", end.code() >= 500 ? Sysexits.DATAERR : Sysexits.TEMPFAIL);
        quit(d);
        return new Result(Sysexits.OK, List.of(), Optional.of(end.toString()));
    }

    private Result refused(Dialogue d, PeerReply reply, String after, int status) {
        quit(d);
        return Result.failed(status, "the mail server at " + serverName() + " refused " + after + ": " + reply
                + (status == Sysexits.TEMPFAIL ? " (temporary; the message was not sent, try again later)" : ""));
    }

    private static void quit(Dialogue d) {
        try {
            d.command("QUIT");
        } catch (IOException e) {
            // the outcome is decided; a server that is gone by now changes nothing
        }
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 127) return false;
        return true;
    }


    /** The EHLO keywords, upper case (the first line of the reply is the greeting). */
    static List<String> extensions(PeerReply ehlo) {
        List<String> out = new ArrayList<>();
        for (String l : ehlo.lines().subList(Math.min(1, ehlo.lines().size()), ehlo.lines().size())) {
            String k = l.strip();
            int sp = k.indexOf(' ');
            out.add((sp < 0 ? k : k.substring(0, sp)).toUpperCase(Locale.ROOT));
        }
        return out;
    }

    /** The socket's two directions: commands out, replies in ({@link ReplyReader}, bounded and timed). */
    private final class Dialogue {
        final ReplyReader in;
        final OutputStream out;

        Dialogue(ReplyReader in, OutputStream out) {
            this.in = in;
            this.out = out;
        }

        PeerReply command(String line) throws IOException {
            if (transcript != null) transcript.println(">>> " + line);
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return read(commandTimeout);
        }

        PeerReply read(Duration timeout) throws IOException {
            PeerReply r = in.read(timeout);
            if (transcript != null) {
                for (int i = 0; i < r.lines().size(); i++) {
                    transcript.println("<<< " + r.code() + (i == r.lines().size() - 1 ? " " : "-") + ClientText.escape(r.lines().get(i)));
                }
            }
            return r;
        }

        /** The content, dot-stuffed (RFC 5321 4.5.2), then the final dot. */
        void sendContent(InputStream content) throws IOException {
            DotStuffing.copy(content, out);
            out.flush();
            if (transcript != null) transcript.println(">>> (the message) .");
        }
    }
}
