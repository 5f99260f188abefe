package warden.outbound;

import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.XText;
import warden.mail.ClientText;
import warden.queue.QueuedMessage;
import warden.queue.QueuedRecipient;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One mail transaction over a greeted connection: MAIL, RCPT for each recipient, DATA, the
 * content and the final dot, with the parameters the server's extensions allow, and the
 * {@link Outcome} each recipient gets from it.
 *
 * <p>A 4xx defers a recipient, a 5xx fails it; the reply to DATA and to the final dot is the
 * answer for every recipient the server accepted; a connection lost or a timeout defers every
 * recipient not yet answered. Refused before a command is sent: a message larger than the
 * server's SIZE limit ({@code 5.3.4}) and one that needs SMTPUTF8 (a non-ASCII address) when the
 * server does not offer it ({@code 5.6.7}).
 *
 * <h2>Standards</h2>
 * RFC 5321 (3.3 the transaction, 4.5.2 dot-stuffing), RFC 2920 (PIPELINING: MAIL, the RCPTs and
 * DATA in one group; every reply checked; a lone dot after a 354 that came though no recipient
 * was accepted), RFC 1870 (SIZE), RFC 6152 (BODY=8BITMIME), RFC 6531 (SMTPUTF8; 3.4: a message
 * that needs it is not sent to a server without it), RFC 3461 (NOTIFY, ORCPT, RET, ENVID passed
 * on to a server that offers DSN), RFC 2034 (enhanced status codes).
 *
 * <p>Not done: splitting a long recipient list into several transactions (a 452 for too many
 * recipients defers the rest to the next attempt), BDAT/CHUNKING, downgrading a message for a
 * server without SMTPUTF8 (RFC 6530 forbids it for the envelope anyway).
 */
final class MessageSender {

    /**
     * What a transaction did.
     *
     * @param outcomes one per recipient, in the order given
     * @param reusable the connection is in a known state and may carry another message
     * @param unanswered the connection failed before the server answered MAIL: nothing of this
     *        message can have been taken, and another connection may try it at once
     */
    record Sent(List<Outcome> outcomes, boolean reusable, boolean unanswered) {}

    private MessageSender() {}

    static Sent send(SmtpClient client, QueuedMessage message, List<QueuedRecipient> recipients) {
        return new Transaction(client, message, recipients).run();
    }

    private static final class Transaction {
        private final SmtpClient client;
        private final QueuedMessage message;
        private final List<QueuedRecipient> recipients;
        private final EhloExtensions ext;
        private final Outcome[] outcomes;
        private final boolean[] accepted;
        private boolean relayed;
        private boolean mailAnswered;
        private String step = "MAIL FROM";

        Transaction(SmtpClient client, QueuedMessage message, List<QueuedRecipient> recipients) {
            this.client = client;
            this.message = message;
            this.recipients = recipients;
            this.ext = client.extensions();
            this.outcomes = new Outcome[recipients.size()];
            this.accepted = new boolean[recipients.size()];
        }

        Sent run() {
            String host = ClientText.escape(client.candidate().host());
            long size = message.content().size();
            if (ext.sizeLimit() > 0 && size > ext.sizeLimit()) {
                return refuseAll("5.3.4", "message of " + size + " octets is larger than the limit of " + host
                        + " (" + ext.sizeLimit() + " octets)");
            }
            if (!printable(message.reversePath())) {
                return refuseAll("5.1.7", "the sender address holds a control character");
            }
            for (int i = 0; i < outcomes.length; i++) {
                if (!printable(recipients.get(i).address())) {
                    outcomes[i] = new Outcome(Outcome.Kind.FAILED, recipients.get(i).address(), host(), address(),
                            client.tls(), 0, "5.1.3", "the recipient address holds a control character", "", false);
                }
            }
            if (Arrays.stream(outcomes).allMatch(Objects::nonNull)) return done(true);
            boolean needsUtf8 = !ascii(message.reversePath()) || recipients.stream().anyMatch(r -> !ascii(r.address()));
            if (needsUtf8 && !ext.has("SMTPUTF8")) {
                return refuseAll("5.6.7", "SMTPUTF8 is required, but was not offered by host " + host);
            }
            try {
                boolean utf8 = ext.has("SMTPUTF8") && (needsUtf8 || nonAscii(message.content().header().bytes()));
                boolean eightBit = ext.has("8BITMIME") && (utf8 || eightBit(message));
                relayed = ext.has("DSN");
                String mail = mailCommand(size, eightBit, utf8);
                List<String> rcpts = recipients.stream().map(this::rcptCommand).toList(); // "": not sent
                return ext.has("PIPELINING") ? pipelined(mail, rcpts) : stepByStep(mail, rcpts);
            } catch (IOException e) {
                return lost(e);
            }
        }

        private Sent stepByStep(String mail, List<String> rcpts) throws IOException {
            step = afterMail();
            PeerReply r = client.command(mail, client.timeouts().mail());
            mailAnswered = true;
            if (!r.positive()) return answerAll(r, step);
            for (int i = 0; i < rcpts.size(); i++) {
                if (rcpts.get(i).isEmpty()) continue;
                step = "RCPT TO:<" + ClientText.escape(recipients.get(i).address()) + ">";
                r = client.command(rcpts.get(i), client.timeouts().rcpt());
                if (rcpt(i, r)) return closing(r);
            }
            if (!anyAccepted()) return done(true);
            step = "DATA";
            r = client.command("DATA", client.timeouts().dataInit());
            return data(r);
        }

        private Sent pipelined(String mail, List<String> rcpts) throws IOException {
            client.write(mail);
            for (String rcpt : rcpts) if (!rcpt.isEmpty()) client.write(rcpt);
            client.write("DATA");
            client.flush();
            step = afterMail();
            PeerReply mailReply = client.read(client.timeouts().mail());
            mailAnswered = true;
            if (mailReply.code() == 421) return answerAll(mailReply, step);
            for (int i = 0; i < rcpts.size(); i++) {
                if (rcpts.get(i).isEmpty()) continue;
                step = "RCPT TO:<" + ClientText.escape(recipients.get(i).address()) + ">";
                PeerReply r = client.read(client.timeouts().rcpt());
                if (!mailReply.positive()) continue; // the RCPTs' 503s say nothing of the recipients
                if (rcpt(i, r)) return closing(r);
            }
            step = "DATA";
            PeerReply dataReply = client.read(client.timeouts().dataInit());
            if (!mailReply.positive() || !anyAccepted()) {
                if (dataReply.code() == 354) { // RFC 2920 3.1: end the data we have none of
                    client.content(InputStream.nullInputStream());
                    client.read(client.timeouts().dataEnd());
                }
                if (!mailReply.positive()) return answerAll(mailReply, afterMail());
                return done(dataReply.code() != 421);
            }
            return data(dataReply);
        }

        /** After the reply to DATA: the content, the final dot, its reply. */
        private Sent data(PeerReply r) throws IOException {
            if (r.code() != 354) return answerAccepted(r, "DATA");
            step = "end of data";
            try (InputStream content = message.content().open()) {
                client.content(content);
            }
            r = client.read(client.timeouts().dataEnd());
            return answerAccepted(r, step);
        }

        /** Records the RCPT reply; true if it was a 421 (the server is closing: stop here). */
        private boolean rcpt(int i, PeerReply r) {
            if (r.code() == 421) return true;
            if (r.positive()) accepted[i] = true;
            else outcomes[i] = outcome(recipients.get(i).address(), r, step);
            return false;
        }

        private String mailCommand(long size, boolean eightBit, boolean utf8) {
            StringBuilder b = new StringBuilder("MAIL FROM:<").append(message.reversePath()).append('>');
            if (ext.has("SIZE")) b.append(" SIZE=").append(size);
            if (eightBit) b.append(" BODY=8BITMIME");
            if (utf8) b.append(" SMTPUTF8");
            if (relayed) {
                message.dsn().ret().ifPresent(ret -> b.append(" RET=").append(ret.name()));
                message.dsn().envid().flatMap(MessageSender::xtext).ifPresent(id -> b.append(" ENVID=").append(id));
            }
            return b.toString();
        }

        private String rcptCommand(QueuedRecipient r) {
            if (!printable(r.address())) return "";
            StringBuilder b = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
            if (relayed) {
                RecipientDsn dsn = r.dsn();
                if (!dsn.notifications().isEmpty()) {
                    b.append(" NOTIFY=").append(dsn.notifications().contains(Notify.NEVER) ? "NEVER"
                            : dsn.notifications().stream().sorted().map(Enum::name).collect(Collectors.joining(",")));
                }
                dsn.orcpt().ifPresent(o -> {
                    int semi = o.indexOf(';');
                    if (semi > 0) {
                        xtext(o.substring(semi + 1)).ifPresent(x -> b.append(" ORCPT=").append(o, 0, semi).append(';').append(x));
                    }
                });
            }
            return b.toString();
        }

        private String afterMail() {
            return "MAIL FROM:<" + ClientText.escape(message.reversePath()) + ">";
        }

        private boolean anyAccepted() {
            for (boolean a : accepted) if (a) return true;
            return false;
        }

        /** The same reply for every recipient (MAIL refused). */
        private Sent answerAll(PeerReply r, String after) {
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null) outcomes[i] = outcome(recipients.get(i).address(), r, after);
            }
            return done(r.code() != 421);
        }

        /** The reply to DATA or the final dot, for every accepted recipient. */
        private Sent answerAccepted(PeerReply r, String after) {
            for (int i = 0; i < outcomes.length; i++) {
                if (accepted[i]) outcomes[i] = outcome(recipients.get(i).address(), r, after);
            }
            return done(r.code() != 421);
        }

        /** A 421 at RCPT: it answers every recipient not answered yet. */
        private Sent closing(PeerReply r) {
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null) outcomes[i] = outcome(recipients.get(i).address(), r, step);
            }
            return done(false);
        }

        /** Refused here, before MAIL: the connection is untouched. */
        private Sent refuseAll(String status, String text) {
            for (int i = 0; i < outcomes.length; i++) {
                outcomes[i] = new Outcome(Outcome.Kind.FAILED, recipients.get(i).address(), host(), address(), client.tls(),
                        0, status, text, "", false);
            }
            return done(true);
        }

        /** The connection failed: every recipient without an answer is deferred. */
        private Sent lost(IOException e) {
            String what = e instanceof SocketTimeoutException ? "timeout" : "connection lost";
            String text = what + " with " + ClientText.escape(client.candidate().host()) + " ["
                    + client.candidate().address().getHostAddress() + "] after " + step + ": "
                    + ClientText.ascii(String.valueOf(e.getMessage()), 300);
            for (int i = 0; i < outcomes.length; i++) {
                if (outcomes[i] == null) {
                    outcomes[i] = new Outcome(Outcome.Kind.DEFERRED, recipients.get(i).address(), host(), address(),
                            client.tls(), 0, "4.4.2", text, step, false);
                }
            }
            client.close();
            return new Sent(List.of(outcomes), false, !mailAnswered);
        }

        private Sent done(boolean reusable) {
            List<Outcome> list = new ArrayList<>(outcomes.length);
            for (int i = 0; i < outcomes.length; i++) {
                // Not reached can only mean accepted and then no DATA: nothing was accepted in the end.
                list.add(outcomes[i] != null ? outcomes[i] : new Outcome(Outcome.Kind.DEFERRED, recipients.get(i).address(),
                        host(), address(), client.tls(), 0, "4.0.0", "no answer for this recipient", step, false));
            }
            return new Sent(list, reusable && !client.broken(), false);
        }

        private Outcome outcome(String recipient, PeerReply r, String after) {
            Outcome.Kind kind = r.positive() ? Outcome.Kind.DELIVERED
                    : r.transientFailure() ? Outcome.Kind.DEFERRED : Outcome.Kind.FAILED;
            return new Outcome(kind, recipient, host(), address(), client.tls(), r.code(), r.status(), r.text(), after,
                    kind == Outcome.Kind.DELIVERED && relayed);
        }

        private Optional<String> host() {
            return Optional.of(client.candidate().host());
        }

        private Optional<java.net.InetAddress> address() {
            return Optional.of(client.candidate().address());
        }
    }

    /** The xtext form, or empty for a value xtext here cannot carry (then the optional parameter is left out). */
    private static Optional<String> xtext(String value) {
        try {
            return Optional.of(XText.encode(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** No C0 control or DEL (a CR or LF would end the command line and start another). */
    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) return false;
        }
        return true;
    }

    static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    private static boolean nonAscii(byte[] bytes) {
        for (byte b : bytes) if (b < 0) return true;
        return false;
    }

    /** Whether the content has an octet above 127 (streamed: a large message is read, not held). */
    private static boolean eightBit(QueuedMessage message) throws IOException {
        if (nonAscii(message.content().header().bytes())) return true;
        byte[] chunk = new byte[64 * 1024];
        try (InputStream in = message.content().open()) {
            for (int n; (n = in.read(chunk)) > 0; ) {
                for (int i = 0; i < n; i++) if (chunk[i] < 0) return true;
            }
        }
        return false;
    }
}
