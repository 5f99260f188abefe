package warden.smtp;

import warden.dsn.MessageDsn;
import warden.dsn.RecipientDsn;
import warden.recipient.Route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where an SMTP session stands, with the data that exists only in that state: the greeting once
 * given, the envelope only inside a transaction. Every change goes through
 * {@code SmtpSession.enter}, which logs it at debug level.
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.1.4 (command order): a transaction starts with MAIL, collects RCPTs, ends
 * with DATA or RSET; EHLO/HELO and RSET abort it.
 */
public sealed interface SessionState permits SessionState.Fresh, SessionState.Greeted, SessionState.InTransaction {

    /**
     * Connected, no greeting taken yet. {@code refused} is the last greeting the client sent that
     * Warden refused (a policy defer or deny under {@code reject_at: helo}, a syntax error): RFC
     * 5321 4.1.4 keeps the server "in the same state ... that it was in before the EHLO was
     * received", so MAIL still needs a greeting that succeeds (503 5.5.1), but the client did
     * greet, and the policy is told so: its MAIL is not {@code helo-missing}'s "MAIL without HELO",
     * which would turn Warden's own 4xx into a 5xx. Postfix (with {@code smtpd_helo_required}) and
     * Exim likewise keep no HELO name after refusing one.
     */
    record Fresh(java.util.Optional<Helo> refused) implements SessionState {
        public Fresh() { this(java.util.Optional.empty()); }
    }

    /** Greeted with {@code helo}; no transaction open. */
    record Greeted(Helo helo) implements SessionState {}

    /** Inside a mail transaction. */
    record InTransaction(Helo helo, Transaction tx) implements SessionState {}

    /** The client's greeting: the verb ({@code HELO} or {@code EHLO}) and its argument. */
    record Helo(String verb, String name) {
        public boolean esmtp() { return verb.equals("EHLO"); }
    }

    /**
     * One mail transaction: the reverse path, the MAIL parameters that matter (DSN's {@code RET}
     * and {@code ENVID} among them), and the accepted recipients with their routes (in RCPT order)
     * and their DSN parameters ({@code NOTIFY}, {@code ORCPT}; only those that gave any).
     */
    record Transaction(String reversePath, boolean smtputf8, long declaredSize, MessageDsn dsn,
                       Map<String, List<Route>> recipients, Map<String, RecipientDsn> recipientDsn) {
        public Transaction {
            recipients = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(recipients));
            recipientDsn = Map.copyOf(recipientDsn);
        }

        public Transaction(String reversePath, boolean smtputf8, long declaredSize, MessageDsn dsn) {
            this(reversePath, smtputf8, declaredSize, dsn, Map.of(), Map.of());
        }

        /** Adds {@code address} (a repeated address keeps its place; its routes and DSN are the last given). */
        public Transaction withRecipient(String address, List<Route> routes, RecipientDsn dsn) {
            Map<String, List<Route>> next = new LinkedHashMap<>(recipients);
            next.put(address, List.copyOf(routes));
            Map<String, RecipientDsn> nextDsn = new java.util.HashMap<>(recipientDsn);
            if (dsn.equals(RecipientDsn.NONE)) nextDsn.remove(address);
            else nextDsn.put(address, dsn);
            return new Transaction(reversePath, smtputf8, declaredSize, this.dsn, next, nextDsn);
        }

        public List<String> recipientList() {
            return new ArrayList<>(recipients.keySet());
        }

        /** The envelope as delivered: sender, recipients, DSN parameters. */
        public warden.mail.Envelope envelope() {
            return new warden.mail.Envelope(reversePath, recipientList(), dsn, recipientDsn);
        }
    }
}
