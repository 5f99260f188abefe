/**
 * The SMTP protocol (RFC 5321 and its ESMTP extensions) and nothing about spam: the server that
 * accepts connections on virtual threads, one explicit state machine per session, the command
 * table, the reply catalogue, and the smuggling-proof DATA reader. Every judgement is asked of
 * the policy engine; every accepted message is handed to a {@link warden.delivery.MessageStore}.
 */
package warden.smtp;
