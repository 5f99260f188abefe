package warden.submission;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * {@code sendmail -bs}: an SMTP dialogue on standard input and output, carried to the running
 * server over a loopback connection. What the client types goes to the server with bare LF line
 * ends made CRLF; what the server answers comes back as it is. It ends when the server closes
 * the connection (after QUIT), or shortly after standard input ends.
 *
 * <h2>Standards</h2>
 * sendmail(8) {@code -bs}; RFC 5321 section 2.3.8 (CRLF line ends).
 *
 * <p>Not done: the dialogue runs with the server's view of a loopback client, not as a
 * separate local submission with the caller's user name.
 */
final class SmtpPipe {

    private SmtpPipe() {}

    static int run(InetSocketAddress server, InputStream in, OutputStream out, PrintWriter err) {
        try (Socket socket = new Socket()) {
            try {
                socket.connect(server, 30_000);
            } catch (IOException e) {
                err.println("sendmail: cannot connect to the mail server at " + warden.mail.IpText.of(server.getAddress()) + ":"
                        + server.getPort() + " (" + warden.log.Cause.of(e) + "); is 'warden serve' running?");
                err.flush();
                return Sysexits.TEMPFAIL;
            }
            Thread upstream = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream s = socket.getOutputStream();
                    int previous = -1;
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n' && previous != '\r') s.write('\r');
                            s.write(buf[i]);
                            previous = buf[i];
                        }
                        s.flush();
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    // the server closed first: the dialogue is over
                }
            });
            socket.getInputStream().transferTo(out);
            out.flush();
            upstream.interrupt();
            return Sysexits.OK;
        } catch (IOException e) {
            err.println("sendmail: lost the connection to the mail server (" + warden.log.Cause.of(e) + ")");
            err.flush();
            return Sysexits.TEMPFAIL;
        }
    }
}
