package warden.outbound;

import java.time.Duration;

/**
 * How long the SMTP client waits at each step before it gives up on the server (and defers).
 *
 * <h2>Standards</h2>
 * RFC 5321 section 4.5.3.2: initial 220 greeting 5 min, MAIL 5 min, RCPT 5 min, DATA initiation
 * 2 min, each data block 3 min, the final dot 10 min. The connect timeout (30 s) and the one for
 * commands the RFC gives no figure for (EHLO, STARTTLS and its handshake, AUTH, RSET, QUIT: 5 min)
 * are Postfix's.
 *
 * @param connect the TCP connect
 * @param greeting the 220 banner
 * @param command EHLO/HELO, STARTTLS (and its handshake), AUTH, RSET, QUIT
 * @param mail the reply to MAIL
 * @param rcpt the reply to each RCPT
 * @param dataInit the 354 to DATA
 * @param dataBlock each write of message content
 * @param dataEnd the reply to the final dot
 */
public record SmtpTimeouts(Duration connect, Duration greeting, Duration command, Duration mail, Duration rcpt,
                           Duration dataInit, Duration dataBlock, Duration dataEnd) {

    public static final SmtpTimeouts RFC_5321 = new SmtpTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(5),
            Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(2),
            Duration.ofMinutes(3), Duration.ofMinutes(10));

    /** The same limit everywhere: for tests. */
    public static SmtpTimeouts all(Duration d) {
        return new SmtpTimeouts(d, d, d, d, d, d, d, d);
    }
}
