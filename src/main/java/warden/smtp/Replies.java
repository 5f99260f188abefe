package warden.smtp;

import warden.mail.Reply;

/**
 * The catalogue of SMTP replies the protocol itself gives, each with its enhanced status code
 * (RFC 3463). Policy replies come from the policy engine; everything else is named here, so a
 * reader finds any reply text by its name.
 */
public final class Replies {

    private Replies() {}

    public static final Reply OK = Reply.of(250, "2.0.0", "Ok");
    public static final Reply SENDER_OK = Reply.of(250, "2.1.0", "Sender ok");
    public static final Reply RECIPIENT_OK = Reply.of(250, "2.1.5", "Recipient ok");
    public static final Reply RESET = Reply.of(250, "2.0.0", "Reset");
    public static final Reply START_DATA = Reply.of(354, "", "End data with <CR><LF>.<CR><LF>");
    public static final Reply CANNOT_VRFY = Reply.of(252, "2.5.0",
            "Cannot VRFY user, but will accept message and attempt delivery");
    public static final Reply HELP = new Reply(214, "2.0.0", java.util.List.of(
            "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP",
            "See RFC 5321"));

    public static final Reply NEED_HELO = Reply.of(503, "5.5.1", "Send HELO or EHLO first");
    public static final Reply NESTED_MAIL = Reply.of(503, "5.5.1", "Nested MAIL command: one transaction at a time");
    public static final Reply NEED_MAIL = Reply.of(503, "5.5.1", "Need MAIL before RCPT");
    public static final Reply NEED_RCPT = Reply.of(503, "5.5.1", "Need MAIL and RCPT before DATA");
    public static final Reply NO_VALID_RECIPIENTS = Reply.of(554, "5.5.1", "No valid recipients");
    public static final Reply UNKNOWN_COMMAND = Reply.of(500, "5.5.2", "Command not recognized");
    public static final Reply NOT_IMPLEMENTED = Reply.of(502, "5.5.1", "Command not implemented");
    public static final Reply LINE_TOO_LONG = Reply.of(500, "5.5.2", "Line too long (RFC 5321 4.5.3.1.4: 512 octets)");
    public static final Reply HELO_SYNTAX = Reply.of(501, "5.5.4", "Syntax: HELO/EHLO hostname");
    public static final Reply MAIL_SYNTAX = Reply.of(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
    public static final Reply RCPT_SYNTAX = Reply.of(501, "5.5.4", "Syntax: RCPT TO:<address> [parameters]");
    public static final Reply VRFY_SYNTAX = Reply.of(501, "5.5.4", "Syntax: VRFY address");
    public static final Reply NO_ARGUMENTS = Reply.of(501, "5.5.4", "This command takes no argument");
    public static final Reply BAD_SENDER = Reply.of(501, "5.1.7", "Bad sender address syntax");
    public static final Reply BAD_RECIPIENT = Reply.of(501, "5.1.3", "Bad recipient address syntax");
    /** RFC 6531 3.3, RFC 3629: as Postfix's "bad UTF-8 syntax"; the line is not rewritten with U+FFFD. */
    public static final Reply NOT_UTF8 = Reply.of(501, "5.5.2", "Syntax error: the command is not valid UTF-8");
    public static final Reply NON_ASCII_ADDRESS = Reply.of(553, "5.6.7",
            "Non-ASCII address requires SMTPUTF8 (RFC 6531)");
    public static final Reply UNKNOWN_PARAMETER = Reply.of(555, "5.5.4", "Unsupported MAIL/RCPT parameter");
    public static final Reply BAD_BODY = Reply.of(501, "5.5.4", "BODY must be 7BIT or 8BITMIME");
    public static final Reply NULL_RECIPIENT = Reply.of(501, "5.1.3", "The null path is not a recipient");
    public static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, "4.5.3", "Too many recipients");
    public static final Reply MESSAGE_TOO_BIG = Reply.of(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static final Reply DATA_LINE_TOO_LONG = Reply.of(550, "5.6.0",
            "Message has a line longer than 1000 octets (RFC 5321 4.5.3.1.6)");
    public static final Reply BARE_LINE_ENDING = Reply.of(550, "5.6.0",
            "Message contains a bare CR or LF; lines must end with CRLF (RFC 5321 2.3.8)");
    public static final Reply LOCAL_ERROR = Reply.of(451, "4.3.0", "Local error in processing; try again later");
    public static final Reply STORAGE_ERROR = Reply.of(451, "4.3.0", "Could not store the message safely; try again later");
    public static final Reply BYE = Reply.of(221, "2.0.0", "Bye");

    /** RFC 3207 4: the go-ahead for the handshake. */
    public static final Reply READY_TO_START_TLS = Reply.of(220, "2.0.0", "Ready to start TLS");
    /** RFC 3207 4: STARTTLS takes no parameter. */
    public static final Reply STARTTLS_SYNTAX = Reply.of(501, "5.5.4", "Syntax: STARTTLS (no parameters)");
    /** RFC 3207 4.2: STARTTLS is not offered again inside TLS. */
    public static final Reply TLS_ALREADY_ACTIVE = Reply.of(503, "5.5.1", "TLS already active");
    /** STARTTLS in the middle of a transaction (RSET first), as Postfix answers. */
    public static final Reply TLS_IN_TRANSACTION = Reply.of(503, "5.5.1", "MAIL transaction in progress; RSET first");

    /** RFC 3461: a DSN parameter value that is not what the RFC allows; {@code reason} names it and says why. */
    public static Reply badParameter(String reason) {
        return Reply.of(501, "5.5.4", reason);
    }

    /** A DSN parameter given twice in one command: which one counts would be a guess, so neither does. */
    public static Reply duplicateParameter(String keyword) {
        return Reply.of(501, "5.5.4", keyword + " given more than once");
    }

    public static Reply queued(String id) {
        return Reply.of(250, "2.0.0", "Ok: queued as " + id);
    }

    public static Reply tooManyErrors(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Too many errors; closing connection");
    }

    public static Reply timeout(String hostname) {
        return Reply.of(421, "4.4.2", hostname + " Timeout exceeded; closing connection");
    }

    public static Reply shuttingDown(String hostname) {
        return Reply.of(421, "4.3.2", hostname + " Service shutting down; closing connection");
    }

    public static Reply tooManyConnections(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Too many connections; try again later");
    }

    public static Reply tooManyConnectionsFromYou(String hostname) {
        return Reply.of(421, "4.7.0", hostname + " Too many connections from your address; try again later");
    }

    /** RFC 2920 3.1: message text sent before the (refusing) reply to DATA is never read as commands. */
    public static Reply textAfterRefusedData(String hostname) {
        return Reply.of(421, "4.5.0", hostname + " SMTP protocol synchronization: message text sent before the reply to DATA; closing connection");
    }

    public static Reply internalError(String hostname) {
        return Reply.of(421, "4.3.0", hostname + " Internal error; closing connection");
    }
}
