/**
 * Postfix's SMTPD access policy delegation protocol ({@code check_policy_service},
 * SMTPD_POLICY_README) in front of Warden's engine.
 *
 * <p>{@link warden.door.postfix.PolicyServer} serves one policy connection: it reads requests
 * ({@code RequestReader}: bounded framing, malformed input answered), finds the SMTP session a
 * request is about ({@code PostfixSessions}: by {@code instance} and client address, bounded and
 * expiring), replays what the engine has not seen of it ({@code PostfixSession}: CONNECT, HELO,
 * MAIL, then the request's stage) and answers the decision as an access(5) action
 * ({@code AccessAction}: DUNNO, PREPEND, DEFER_IF_PERMIT, DEFER, REJECT, 521/421), after the
 * decision's delay, capped by {@code doors.postfix.max_delay}. {@code PolicyRequest} names every
 * attribute Postfix sends.
 */
package warden.door.postfix;
