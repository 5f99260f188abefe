package warden.queue;

import warden.mail.ClientText;
import warden.outbound.Outcome;

import java.net.InetAddress;
import java.util.function.Consumer;

/**
 * The queue's main-log lines, as an Exim admin knows them:
 * <pre>
 * ID =&gt; bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [192.0.2.1] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 C="250 2.0.0 Ok"
 * ID == bob@example.net R=dnslookup T=remote_smtp defer: SMTP error from remote mail server after RCPT TO:&lt;bob@example.net&gt;: 451 4.7.1 try later
 * ID ** bob@example.net R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:&lt;bob@example.net&gt;: 550 5.1.1 no such user
 * ID =&gt; alice &lt;alice@example.org&gt; R=virtual T=maildir P=var/mail/alice/Maildir/new/...
 * ID Completed
 * </pre>
 * {@code =>} only for a delivery the next hop (or the Maildir) confirmed. Everything a peer sent
 * (host names, replies, the TLS cipher) is escaped with {@link ClientText}.
 */
final class DeliveryLog {

    static final String REMOTE = "remote_smtp";

    private final Consumer<String> log;

    DeliveryLog(Consumer<String> log) {
        this.log = log;
    }

    void delivered(String id, Outcome o, String router) {
        StringBuilder b = new StringBuilder(160).append(id).append(" => ").append(esc(o.recipient()))
                .append(" R=").append(router).append(" T=").append(REMOTE);
        o.host().ifPresent(h -> b.append(" H=").append(esc(h)));
        o.address().ifPresent(a -> b.append(" [").append(ip(a)).append(']'));
        o.tls().ifPresent(t -> b.append(" X=").append(esc(t)));
        b.append(" C=\"").append(esc(o.diagnostic()).replace("\"", "'")).append('"');
        log.accept(b.toString());
    }

    void deferred(String id, Outcome o, String router) {
        log.accept(id + " == " + esc(o.recipient()) + " R=" + router + " T=" + REMOTE + " defer: " + reason(o));
    }

    void failed(String id, Outcome o, String router, String why) {
        log.accept(id + " ** " + esc(o.recipient()) + " R=" + router + " T=" + REMOTE + ": " + why);
    }

    void localDelivered(String id, String user, String address, LocalDelivery.Copy copy) {
        log.accept(id + " => " + esc(user) + " <" + esc(address) + "> R=" + copy.router() + " T=maildir P=" + copy.file());
    }

    void localDeferred(String id, String address, String why) {
        log.accept(id + " == " + esc(address) + " R=local T=maildir defer: " + esc(why));
    }

    void localFailed(String id, String address, String why) {
        log.accept(id + " ** " + esc(address) + ": " + esc(why));
    }

    void completed(String id) {
        log.accept(id + " Completed");
    }

    void note(String line) {
        log.accept(line);
    }

    /** {@code SMTP error from remote mail server after RCPT TO:<x>: 451 4.7.1 text}, or our own reason. */
    static String reason(Outcome o) {
        if (o.code() == 0) return esc(o.text());
        String after = o.after().isEmpty() ? "" : " after " + esc(o.after());
        return "SMTP error from remote mail server" + after + ": " + esc(o.diagnostic());
    }

    private static String ip(InetAddress a) {
        return warden.mail.IpText.of(a);
    }

    private static String esc(String s) {
        return ClientText.escape(s);
    }
}
