package warden.outbound;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

/**
 * TLS for an SMTP client that encrypts whenever it can: any certificate is taken (no name check,
 * no chain check, no algorithm constraint), since the alternative is clear text. How a session
 * came out is described for the log as {@code TLS1.3:TLS_AES_256_GCM_SHA384:256}.
 *
 * <h2>Standards</h2>
 * RFC 3207 section 4.1 (a publicly-referenced server cannot be required to have a valid
 * certificate), RFC 7435 (opportunistic security).
 *
 * <p>Not done: DANE (RFC 7672) and MTA-STS (RFC 8461), which would make TLS mandatory for some peers.
 */
final class OpportunisticTls {

    private static final SSLContext CONTEXT = make();

    private OpportunisticTls() {}

    /** One context for every connection: it holds no per-peer state but the session cache. */
    static SSLContext context() {
        return CONTEXT;
    }

    private static SSLContext make() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new AnyCertificate()}, null);
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    /** {@code TLS1.3:TLS_AES_256_GCM_SHA384:256}: protocol, cipher suite, secret key bits. */
    static String describe(SSLSession session) {
        String protocol = session.getProtocol().replace("TLSv", "TLS");
        String cipher = session.getCipherSuite();
        return protocol + ":" + cipher + ":" + bits(cipher);
    }

    private static int bits(String cipher) {
        if (cipher.contains("_256") || cipher.contains("CHACHA20")) return 256;
        if (cipher.contains("_128")) return 128;
        if (cipher.contains("3DES")) return 168;
        return 0;
    }

    /** Trusts every certificate: opportunistic TLS only needs encryption. */
    private static final class AnyCertificate extends X509ExtendedTrustManager {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
    }
}
