package warden.dsn;

import warden.delivery.DeliveryHeaders;
import warden.log.MainLog;
import warden.mail.ClientText;
import warden.message.DataFiles;
import warden.message.MessageWriter;
import warden.message.ReceivedMessage;
import warden.queue.QueuedMessage;

import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The delivery status reports of the queue: one RFC 3464 {@code multipart/report} per message and
 * event (failure, delay, success), written into a data file ({@link DataFiles}) for the queue to
 * send from the null sender.
 *
 * <p>Who hears: the sender, for the recipients whose NOTIFY asks for this kind of report
 * ({@link RecipientDsn#wants}; none given is FAILURE). A message from the null sender (a bounce,
 * another report) is never reported to its sender (it has none): when it fails, the failure goes
 * once to {@code postmaster@hostname}, whatever its NOTIFY; when that report fails in turn (or any
 * message from {@code <>} to our postmaster does), nothing is sent and the main log says
 * {@code dropped}. A delay or success of a null-sender message is never reported.
 *
 * <p>The report, top down: {@code From: Mail Delivery System <MAILER-DAEMON@hostname>}, {@code To:}
 * the sender, a Subject by kind, {@code Date}, {@code Message-ID} at our host name,
 * {@code Auto-Submitted: auto-replied}; then three parts: a text naming each recipient with the
 * reply that decided it, the {@code message/delivery-status} fields, and the returned message:
 * its header section ({@code text/rfc822-headers}), or, with {@code RET=FULL} and only in a
 * failure report, all of it ({@code message/rfc822}). The returned part is streamed from the
 * spool file into the report's data file a chunk at a time: no body is read into the heap, however
 * large. Text from peers (replies, host names) is escaped with {@link ClientText}.
 *
 * <h2>Standards</h2>
 * RFC 3464 (the delivery-status fields; 2.3.3 Action, 2.3.4 Status, 2.3.5 Remote-MTA, 2.3.6
 * Diagnostic-Code, 2.3.7 Last-Attempt-Date, 2.3.9 Will-Retry-Until), RFC 6522 ({@code
 * multipart/report}, {@code text/rfc822-headers}), RFC 3461 section 4.1 (NOTIFY), 4.3 (RET: the
 * whole message only in a failure report; others return the header), 6.2 and RFC 5321 section
 * 6.1/6.2 (a report is sent from {@code <>}; never one about a message from {@code <>}), RFC 3834
 * ({@code Auto-Submitted}), RFC 6533 in part: an original whose header has 8-bit octets is
 * returned as {@code message/global-headers} ({@code message/global} in full), and a non-ASCII
 * recipient makes the status part {@code message/global-delivery-status} with {@code utf-8}
 * address types.
 *
 * <p>Not done: {@code utf-8-addr-xtext} encoding of non-ASCII addresses (they are written raw, as
 * RFC 6533 allows in {@code message/global-delivery-status}); translations of the text part.
 */
public final class DeliveryReports implements Reports {

    /** What a report is about: its NOTIFY condition, subject and opening paragraph. */
    enum Kind {
        FAILURE(Notify.FAILURE, "Undelivered Mail Returned to Sender",
                "Your message could not be delivered to one or more recipients. The failure is permanent:"
                        + " it will not be tried again. The reasons are below."),
        DELAY(Notify.DELAY, "Delayed Mail (still being retried)",
                "Your message could not be delivered yet to one or more recipients. It is still being retried;"
                        + " you need not send it again. The reasons for the delay are below."),
        SUCCESS(Notify.SUCCESS, "Successful Mail Delivery Report",
                "Your message was delivered to the recipients below, as you asked."),
        POSTMASTER(Notify.FAILURE, "Postmaster Copy: Undelivered Mail",
                "A message from the null sender <> (a delivery report or another automatic reply) could not"
                        + " be delivered. It has no sender to return it to, so this report goes to the postmaster."
                        + " A failure of this report will not be reported again.");

        final Notify notify;
        final String subject;
        final String opening;

        Kind(Notify notify, String subject, String opening) {
            this.notify = notify;
            this.subject = subject;
            this.opening = opening;
        }

        boolean returnsWholeMessage() {
            return this == FAILURE || this == POSTMASTER;
        }
    }

    private static final Pattern SMTP_REPLY = Pattern.compile("[2-5][0-9][0-9]([ -].*)?", Pattern.DOTALL);
    private static final Pattern STATUS = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");
    private static final List<String> ACTIONS = List.of("failed", "delayed", "delivered", "relayed", "expanded");
    private static final int DIAGNOSTIC_MAX = 2000;

    private final String hostname;
    private final DataFiles dataFiles;
    private final Clock clock;
    private final MainLog log;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param hostname our host name: {@code MAILER-DAEMON@}, {@code postmaster@}, Reporting-MTA, Message-ID
     * @param dataFiles where reports are written (the queue copies them into the spool, then discards them)
     * @param clock {@code Date:} and the Message-ID
     * @param log the main log, for the {@code dropped} line of a report that is not sent
     */
    public DeliveryReports(String hostname, DataFiles dataFiles, Clock clock, MainLog log) {
        this.hostname = hostname.toLowerCase(Locale.ROOT);
        this.dataFiles = dataFiles;
        this.clock = clock;
        this.log = log;
    }

    /** Where the failure of a message from the null sender is reported: {@code postmaster@hostname}. */
    public String postmaster() {
        return "postmaster@" + hostname;
    }

    @Override
    public Optional<Report> failure(QueuedMessage message, List<ReportedRecipient> recipients) throws IOException {
        if (!message.nullSender()) return report(Kind.FAILURE, message, message.reversePath(), wanted(Kind.FAILURE, recipients));
        List<ReportedRecipient> reported = new ArrayList<>();
        for (ReportedRecipient r : recipients) {
            if (isOurPostmaster(r.address())) {
                log.log(message.id() + " dropped: failure of a message from <> to <" + ClientText.escape(r.address())
                        + "> not reported (never bounce a bounce): " + ClientText.escape(oneLine(r.diagnostic())));
            } else {
                reported.add(r);
            }
        }
        return report(Kind.POSTMASTER, message, postmaster(), reported);
    }

    @Override
    public Optional<Report> delay(QueuedMessage message, List<ReportedRecipient> recipients) throws IOException {
        if (message.nullSender()) return Optional.empty();
        return report(Kind.DELAY, message, message.reversePath(), wanted(Kind.DELAY, recipients));
    }

    @Override
    public Optional<Report> success(QueuedMessage message, List<ReportedRecipient> recipients) throws IOException {
        if (message.nullSender()) return Optional.empty();
        return report(Kind.SUCCESS, message, message.reversePath(), wanted(Kind.SUCCESS, recipients));
    }

    private static List<ReportedRecipient> wanted(Kind kind, List<ReportedRecipient> recipients) {
        return recipients.stream().filter(r -> r.dsn().wants(kind.notify)).toList();
    }

    private boolean isOurPostmaster(String address) {
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        return local.equalsIgnoreCase("postmaster") && (at < 0 || address.substring(at + 1).equalsIgnoreCase(hostname));
    }

    private Optional<Report> report(Kind kind, QueuedMessage message, String to, List<ReportedRecipient> recipients)
            throws IOException {
        if (recipients.isEmpty()) return Optional.empty();
        MessageWriter writer = dataFiles.writer(Long.MAX_VALUE);
        try {
            compose(new ReportWriter(writer), kind, message, to, recipients);
            return Optional.of(new Report(to, writer.finish()));
        } catch (IOException | RuntimeException | Error e) {
            writer.abandon();
            throw e;
        }
    }

    private void compose(ReportWriter w, Kind kind, QueuedMessage message, String to,
                         List<ReportedRecipient> recipients) throws IOException {
        Instant now = clock.instant();
        String boundary = "=_" + hex(12);
        boolean wholeMessage = kind.returnsWholeMessage() && message.dsn().ret().orElse(Ret.HDRS) == Ret.FULL;
        boolean eightBitHeader = eightBit(message.content());
        boolean global = recipients.stream().anyMatch(r -> !ascii(r.address()) || !ascii(r.dsn().orcpt().orElse("")));
        String returnedType = wholeMessage ? (eightBitHeader ? "message/global" : "message/rfc822")
                : (eightBitHeader ? "message/global-headers" : "text/rfc822-headers");
        boolean eightBit = wholeMessage || eightBitHeader || global || !ascii(to);

        w.line("From: Mail Delivery System <MAILER-DAEMON@" + hostname + ">");
        w.line("To: <" + header(to) + ">");
        w.line("Subject: " + kind.subject);
        w.line("Date: " + date(now));
        w.line("Message-ID: <" + now.getEpochSecond() + "." + hex(8) + "." + message.id() + "@" + hostname + ">");
        w.line("Auto-Submitted: auto-replied");
        w.line("MIME-Version: 1.0");
        w.line("Content-Type: multipart/report; report-type=delivery-status;");
        w.line("\tboundary=\"" + boundary + "\"");
        w.line("Content-Transfer-Encoding: " + (eightBit ? "8bit" : "7bit"));
        w.crlf();
        w.line("This is a MIME-encapsulated message: a delivery status report (RFC 3464).");
        w.crlf();

        w.line("--" + boundary);
        w.line("Content-Description: Notification");
        w.line("Content-Type: text/plain; charset=" + (global ? "utf-8" : "us-ascii"));
        w.line("Content-Transfer-Encoding: " + (global ? "8bit" : "7bit"));
        w.crlf();
        notification(w, kind, message, recipients, wholeMessage);
        w.crlf();

        w.line("--" + boundary);
        w.line("Content-Description: Delivery report");
        w.line("Content-Type: " + (global ? "message/global-delivery-status" : "message/delivery-status"));
        if (global) w.line("Content-Transfer-Encoding: 8bit");
        w.crlf();
        w.field("Reporting-MTA", "dns; " + hostname);
        w.field("X-Warden-Queue-ID", message.id());
        if (message.dsn().envid().isPresent()) w.field("Original-Envelope-Id", message.dsn().envid().get());
        if (!message.nullSender()) w.field("X-Warden-Sender", "rfc822; " + header(message.reversePath()));
        w.field("Arrival-Date", date(message.arrival()));
        for (ReportedRecipient r : recipients) {
            w.crlf();
            recipientFields(w, r);
        }
        w.crlf();

        w.line("--" + boundary);
        w.line("Content-Description: " + (wholeMessage ? "Undelivered Message" : kind == Kind.SUCCESS
                ? "Message Headers" : kind == Kind.DELAY ? "Delayed Message Headers" : "Undelivered Message Headers"));
        w.line("Content-Type: " + returnedType);
        if (wholeMessage || eightBitHeader) w.line("Content-Transfer-Encoding: 8bit");
        w.crlf();
        try (InputStream in = message.content().open()) {
            if (wholeMessage) w.copy(in);
            else w.copyHeader(in);
        }
        w.crlf();
        w.line("--" + boundary + "--");
    }

    private void notification(ReportWriter w, Kind kind, QueuedMessage message, List<ReportedRecipient> recipients,
                              boolean wholeMessage) throws IOException {
        w.wrapped("This is the mail system at host " + hostname + ".");
        w.crlf();
        w.wrapped(kind.opening);
        w.crlf();
        if (kind == Kind.POSTMASTER) {
            w.wrapped("Queue id " + message.id() + ", arrived " + date(message.arrival()) + ".");
            w.crlf();
        }
        for (ReportedRecipient r : recipients) {
            StringBuilder b = new StringBuilder("<").append(text(r.address())).append(">: ");
            String diagnostic = text(oneLine(r.diagnostic()));
            Optional<String> host = r.remoteMta().map(DeliveryReports::text);
            switch (r.action()) {
                case "delivered" -> b.append("delivered").append(host.map(h -> " to " + h).orElse(""))
                        .append(diagnostic.isEmpty() ? "" : ": " + diagnostic);
                case "relayed" -> b.append("handed to ").append(host.orElse("the next mail system"))
                        .append(", which does not send delivery reports")
                        .append(diagnostic.isEmpty() ? "" : " (it said: " + diagnostic + ")");
                default -> b.append(host.map(h -> "host " + h + " said: ").orElse("")).append(diagnostic);
            }
            if (r.action().equals("delayed") && r.willRetryUntil().isPresent()) {
                b.append(" (retried until ").append(date(r.willRetryUntil().get())).append(')');
            }
            w.wrapped(b.toString());
            w.crlf();
        }
        if (kind == Kind.FAILURE || kind == Kind.DELAY) {
            w.wrapped((wholeMessage ? "Your message is attached below." : "The header of your message is attached below.")
                    + " For further help, write to the postmaster of " + hostname + " and include this report.");
        }
    }

    /** One recipient's fields (RFC 3464 2.3); a non-ASCII address is written raw with type utf-8 (RFC 6533 3). */
    private void recipientFields(ReportWriter w, ReportedRecipient r) throws IOException {
        if (r.dsn().orcpt().isPresent()) w.field("Original-Recipient", header(r.dsn().orcpt().get()));
        w.field("Final-Recipient", (ascii(r.address()) ? "rfc822; " : "utf-8; ") + header(r.address()));
        String action = r.action().toLowerCase(Locale.ROOT);
        if (!ACTIONS.contains(action)) throw new IllegalArgumentException("not an RFC 3464 action: " + r.action());
        w.field("Action", action);
        w.field("Status", STATUS.matcher(r.status()).matches() ? r.status() : switch (action) {
            case "failed" -> "5.0.0";
            case "delayed" -> "4.0.0";
            default -> "2.0.0";
        });
        if (r.remoteMta().isPresent()) w.field("Remote-MTA", "dns; " + text(r.remoteMta().get()));
        String diagnostic = oneLine(r.diagnostic());
        if (!diagnostic.isEmpty()) {
            boolean smtp = SMTP_REPLY.matcher(diagnostic).matches();
            w.field("Diagnostic-Code", (smtp ? "smtp; " : "X-Warden; ") + ClientText.ascii(diagnostic, DIAGNOSTIC_MAX));
        }
        w.field("Last-Attempt-Date", date(r.lastAttempt()));
        if (action.equals("delayed") && r.willRetryUntil().isPresent()) {
            w.field("Will-Retry-Until", date(r.willRetryUntil().get()));
        }
    }

    /** Whether the header section of {@code content} has an octet over 127 (RFC 6532 UTF-8, or junk). */
    private static boolean eightBit(ReceivedMessage content) {
        byte[] h = content.header().bytes();
        if (content.header().truncated()) return true; // XXX not all of it was read: assume it may
        for (byte b : h) if (b < 0) return true;
        return false;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    /** A multi-line reply as one line: its lines joined with a space. */
    private static String oneLine(String s) {
        return s.strip().replaceAll("[\r\n]+", " ");
    }

    /** Peer text for the human-readable part: printable, UTF-8 kept, capped. */
    private static String text(String s) {
        return ClientText.escape(s.length() > DIAGNOSTIC_MAX ? s.substring(0, DIAGNOSTIC_MAX) + "..." : s);
    }

    /** An address or ORCPT in a header field: no control characters. */
    private static String header(String s) {
        return ClientText.escape(s);
    }

    private String date(Instant t) {
        return DeliveryHeaders.date(ZonedDateTime.ofInstant(t, clock.getZone()));
    }

    private String hex(int octets) {
        byte[] b = new byte[octets];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
