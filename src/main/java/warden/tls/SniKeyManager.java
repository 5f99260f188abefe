package warden.tls;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * Picks the certificate for a TLS handshake by the name the client asked for (SNI): the first
 * pair whose names ({@link ServerNames}) match it and whose key suits the signature the handshake
 * needs (RSA or EC); with no SNI or no match, the first pair ({@code tls.certificate}) or another
 * pair for exactly the same names (an RSA and an ECDSA certificate side by side, as certbot's
 * {@code --key-type} makes them). The aliases are the pairs' positions.
 *
 * <h2>Standards</h2>
 * RFC 6066 section 3 (server_name), RFC 8446 section 4.4.2.2 (server certificate selection),
 * RFC 6125 (name matching).
 *
 * <p>Not done: client certificates (no client alias is ever chosen).
 */
final class SniKeyManager extends X509ExtendedKeyManager {

    private final List<ServerCertificate> pairs;

    SniKeyManager(List<ServerCertificate> pairs) {
        if (pairs.isEmpty()) throw new IllegalArgumentException("no certificate");
        this.pairs = List.copyOf(pairs);
    }

    /** The alias for a handshake asking for {@code sni} that needs a {@code keyType} key, or null. */
    String choose(String keyType, Optional<String> sni) {
        if (sni.isPresent()) {
            for (int i = 0; i < pairs.size(); i++) {
                ServerCertificate p = pairs.get(i);
                if (ServerNames.matches(p.names(), sni.get()) && suits(p, keyType)) return String.valueOf(i);
            }
            // a name we have, but not with this key type: let the handshake try the client's next signature type
            if (pairs.stream().anyMatch(p -> ServerNames.matches(p.names(), sni.get()))) return null;
        }
        List<String> defaultNames = pairs.getFirst().names();
        for (int i = 0; i < pairs.size(); i++) {
            ServerCertificate p = pairs.get(i);
            if ((i == 0 || p.names().equals(defaultNames)) && suits(p, keyType)) return String.valueOf(i);
        }
        return null;
    }

    private static boolean suits(ServerCertificate p, String keyType) {
        return keyType == null || p.keyType().equals(keyType)
                || (keyType.equals("EC") && p.keyType().equals("ECDSA"));
    }

    /** The SNI host name of the handshake in progress on {@code session}. */
    static Optional<String> requestedName(SSLSession session) {
        if (session instanceof ExtendedSSLSession e) {
            for (SNIServerName n : e.getRequestedServerNames()) {
                if (n instanceof SNIHostName h) return Optional.of(h.getAsciiName());
                if (n.getType() == 0) return Optional.of(new SNIHostName(n.getEncoded()).getAsciiName());
            }
        }
        return Optional.empty();
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Optional<String> sni = socket instanceof SSLSocket s ? requestedName(s.getHandshakeSession()) : Optional.empty();
        return choose(keyType, sni);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? Optional.empty() : requestedName(engine.getHandshakeSession()));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) if (suits(pairs.get(i), keyType)) out.add(String.valueOf(i));
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        ServerCertificate p = pair(alias);
        return p == null ? null : p.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        ServerCertificate p = pair(alias);
        return p == null ? null : p.key();
    }

    private ServerCertificate pair(String alias) {
        try {
            int i = Integer.parseInt(alias);
            return i >= 0 && i < pairs.size() ? pairs.get(i) : null;
        } catch (NumberFormatException | NullPointerException e) {
            return null;
        }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
