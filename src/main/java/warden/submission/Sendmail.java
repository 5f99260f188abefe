package warden.submission;

import warden.config.WardenConfig;
import warden.mail.ClientText;
import warden.mail.MailPath;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * sendmail's mail mode ({@code -bm}, the default): reads a message from standard input, makes it
 * complete as sendmail does, and submits it to the running Warden over SMTP.
 *
 * <p>The envelope: the sender from {@code -f}/{@code -r}, else the login user at our host name
 * (Postfix's {@code myorigin = $myhostname}); recipients from the arguments and, with {@code -t},
 * from To:, Cc: and Bcc:, without duplicates. An address without a domain (cron's {@code root})
 * gets our host name, as Postfix's {@code append_at_myorigin}. Headers added when missing:
 * {@code From:} (with the {@code -F} name), {@code Date:}, {@code Message-ID:}.
 *
 * <p>It submits to the first listener of the configuration that local programs can reach: one on
 * a loopback address or a wildcard address ({@code 0.0.0.0}, {@code ::}, reached at loopback),
 * without {@code proxy_protocol}; {@code --server} overrides it. Nothing is written to the queue
 * directly (a user running sendmail cannot write to {@code data_dir}): when the server is down the
 * exit status is 75 (EX_TEMPFAIL) and the caller keeps the message, as cron and mail(1) do.
 *
 * <h2>Standards</h2>
 * sendmail(8) and Postfix sendmail(1) behaviour for the flags; RFC 5322 section 3.6 (the headers),
 * 3.4 (address lists); RFC 2047 (a non-ASCII {@code -F} name); sysexits(3).
 *
 * <p>Not done: writing to the spool when the server is down (the caller gets 75 instead).
 */
public final class Sendmail {


    private final WardenConfig config;
    private final PrintWriter err;
    private final Clock clock;
    private final String loginUser;

    /**
     * @param config the configuration: host name and listeners
     * @param err where problems go, one line each
     * @param loginUser the user running us, for the default sender
     */
    public Sendmail(WardenConfig config, PrintWriter err, Clock clock, String loginUser) {
        this.config = config;
        this.err = err;
        this.clock = clock;
        this.loginUser = loginUser;
    }

    /** Reads the message from {@code in} and submits it; the exit status (sysexits). */
    public int send(SendmailArguments args, InputStream in) {
        Optional<InetSocketAddress> server;
        String sender;
        String fromAddress;
        List<String> argumentRecipients = new ArrayList<>();
        try {
            server = server(args.server());
            sender = args.sender().map(Sendmail::unbracket).orElse(loginUser);
            if (!sender.isEmpty()) sender = address(sender);
            fromAddress = sender.isEmpty() ? address(loginUser) : sender;
            for (String a : args.recipients()) {
                for (String r : AddressList.parse(a)) argumentRecipients.add(address(r));
            }
        } catch (UnusableConfigException e) {
            return fail(Sysexits.CONFIG, e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(Sysexits.USAGE, e.getMessage());
        }
        if (server.isEmpty()) {
            return fail(Sysexits.CONFIG, "the configuration (" + config.source() + ") has no listener on a loopback or wildcard"
                    + " address without proxy_protocol to submit to; add one such as \"127.0.0.1:2525\" to listen, or use --server ADDR:PORT");
        }
        if (argumentRecipients.isEmpty() && !args.extractRecipients()) {
            return fail(Sysexits.USAGE, "no recipients: give them as arguments, or use -t to take them from To:, Cc: and Bcc:");
        }
        MessageIntake intake = new MessageIntake(args.ignoreDots(), args.extractRecipients(),
                additions(fromAddress, args.fullName()));
        MessageIntake.Intake message;
        try {
            message = intake.read(in, temporaryDirectory());
        } catch (MessageIntake.BadInputException e) {
            return fail(Sysexits.DATAERR, e.getMessage());
        } catch (IOException e) {
            return fail(Sysexits.CANTCREAT, "cannot keep the message in a temporary file in " + temporaryDirectory()
                    + " (" + warden.log.Cause.of(e) + "); set TMPDIR to a writable directory");
        }
        try {
            Set<String> recipients = new LinkedHashSet<>(argumentRecipients);
            try {
                for (String r : message.headerRecipients()) recipients.add(address(r));
            } catch (IllegalArgumentException e) {
                return fail(Sysexits.DATAERR, "in To:, Cc: or Bcc: " + e.getMessage());
            }
            if (recipients.isEmpty()) return fail(Sysexits.DATAERR, "no recipient addresses found in the To:, Cc: and Bcc: headers");
            PrintWriter transcript = args.verbose() ? err : null;
            SmtpSubmission submission = new SmtpSubmission(server.get(), config.hostname(), transcript);
            SmtpSubmission.Result result = submission.submit(new SmtpSubmission.Envelope(sender, List.copyOf(recipients),
                    args.dsnNotify(), args.ret(), args.envelopeId()), message);
            result.problems().forEach(p -> err.println("sendmail: " + p));
            if (args.verbose()) result.confirmation().ifPresent(c -> err.println("sendmail: accepted: " + c));
            err.flush();
            return result.status();
        } finally {
            try {
                Files.deleteIfExists(message.file());
            } catch (IOException ignored) {
                // a temporary file left in TMPDIR is the system's to clean
            }
        }
    }

    /** {@code -bs}: standard input and output joined to an SMTP connection to the server. */
    public int relaySmtp(SendmailArguments args, InputStream in, java.io.OutputStream out) {
        Optional<InetSocketAddress> server;
        try {
            server = server(args.server());
        } catch (UnusableConfigException e) {
            return fail(Sysexits.CONFIG, e.getMessage());
        } catch (IllegalArgumentException e) {
            return fail(Sysexits.USAGE, e.getMessage());
        }
        if (server.isEmpty()) return fail(Sysexits.CONFIG, "the configuration has no loopback listener to connect to; use --server ADDR:PORT");
        return SmtpPipe.run(server.get(), in, out, err);
    }

    /** The listener local programs submit to, or the {@code --server} address. */
    Optional<InetSocketAddress> server(Optional<String> override) {
        if (override.isPresent()) {
            InetSocketAddress a = warden.config.ConfigLoader.socketAddress(override.get());
            return Optional.of(a);
        }
        for (WardenConfig.Listener l : config.listen()) {
            InetAddress a = l.address().getAddress();
            // Not 587/465: they want TLS and AUTH, which a local program has neither of; port 25 on
            // loopback trusts it as a relay_networks client.
            if (l.proxyProtocol() || l.role() != WardenConfig.Role.MX || !(a.isLoopbackAddress() || a.isAnyLocalAddress())) continue;
            if (l.address().getPort() == 0) {
                throw new UnusableConfigException("the listener " + l + " has port 0 (any free port): sendmail cannot know it;"
                        + " give a port in the configuration or use --server ADDR:PORT");
            }
            InetAddress target = !a.isAnyLocalAddress() ? a
                    : a instanceof java.net.Inet6Address ? InetAddress.getLoopbackAddress() : loopback4();
            return Optional.of(new InetSocketAddress(target, l.address().getPort()));
        }
        return Optional.empty();
    }

    private static InetAddress loopback4() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("four octets are always an address", e);
        }
    }

    /** The configuration names no address sendmail can submit to. */
    static final class UnusableConfigException extends RuntimeException {
        UnusableConfigException(String message) {
            super(message);
        }
    }

    /** {@code <a@b>} or {@code <>} as given to -f: the address inside. */
    private static String unbracket(String s) {
        String t = s.strip();
        return t.startsWith("<") && t.endsWith(">") ? t.substring(1, t.length() - 1) : t;
    }

    /** The address qualified with our host name if it has no domain, and checked (RFC 5321 4.1.2). */
    String address(String raw) {
        String a = raw.strip();
        if (a.lastIndexOf('@') < 0) a = a + "@" + config.hostname();
        try {
            MailPath.parse("<" + a + ">", true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("<" + ClientText.escape(a) + "> is not a usable address: " + e.getMessage());
        }
        return a;
    }

    private MessageIntake.Additions additions(String from, Optional<String> fullName) {
        ZonedDateTime now = ZonedDateTime.now(clock);
        String fromHeader = fullName.filter(n -> !n.isBlank()).map(n -> phrase(n) + " <" + from + ">").orElse(from);
        return new MessageIntake.Additions("From: " + fromHeader, SubmissionFields.date(now),
                SubmissionFields.messageId(now, config.hostname()));
    }

    /**
     * A display name as RFC 5322 3.2.5 allows it: atoms as they are, a quoted string when it holds
     * specials, an RFC 2047 encoded word when it is not ASCII. Control characters are dropped.
     */
    static String phrase(String name) {
        String n = name.codePoints().filter(c -> c >= 0x20 && c != 0x7f)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        boolean ascii = n.chars().allMatch(c -> c < 0x80);
        if (!ascii) return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(n.getBytes(StandardCharsets.UTF_8)) + "?=";
        boolean atoms = n.chars().allMatch(c -> c == ' ' || Character.isLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0);
        if (atoms) return n;
        return "\"" + n.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static Path temporaryDirectory() {
        String tmp = System.getenv("TMPDIR");
        return Path.of(tmp != null && !tmp.isBlank() ? tmp : System.getProperty("java.io.tmpdir"));
    }

    private int fail(int status, String message) {
        err.println("sendmail: " + message);
        err.flush();
        return status;
    }
}
