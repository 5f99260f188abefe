package warden.cli;

import warden.cli.DoctorCommand.Item;
import warden.config.ConfigProblem;
import warden.config.ConfiguredPaths;
import warden.config.WardenConfig;
import warden.tls.CertificateFileException;
import warden.tls.PemFiles;
import warden.tls.ServerCertificate;
import warden.tls.ServerNames;
import warden.tls.ServerTls;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The certificate part of {@code warden doctor} and {@code config check}: the PEM files of
 * {@code tls.*} read as the server reads them ({@link ServerTls}), then, for each pair,
 * <ol>
 * <li>{@code tls-certificate}: the chain file can be read and is PEM;
 * <li>{@code tls-key}: the key file can be read and its key is the certificate's;
 * <li>{@code tls-expiry}: how many days are left (a warning under {@value #WARN_DAYS}: certbot
 *     renews at 30, so fewer means its renewal is failing);
 * <li>{@code tls-chain}: the leaf's issuer is in the file (and whether the root above is one the
 *     JDK trusts), or the JDK trusts the issuer itself, or the certificate is self-signed; a chain
 *     without its intermediate ({@code cert.pem} instead of {@code fullchain.pem}) fails;
 * </ol>
 * and once, {@code tls-name}: {@code hostname} is among the names of the default certificate
 * (the one a client without SNI gets), wildcards included.
 *
 * <p>{@code config check} and {@code serve} refuse what the server cannot use: a missing or
 * unreadable file, no PEM, a key that is not the certificate's, an expired certificate; and
 * {@code config check} warns about a certificate that expires soon.
 *
 * <h2>Standards</h2>
 * RFC 5280 (validity, issuer and subject, path building), RFC 6125 (names), RFC 8446 section 4.4.2
 * (the server sends its chain, the root may be omitted).
 *
 * <p>Not done: revocation (OCSP, CRL), certificate transparency, a handshake to the running server.
 */
final class CertificateCheckup {

    /** Fewer days left than this is a warning. */
    static final int WARN_DAYS = 14;

    private CertificateCheckup() {}

    /** The problems {@code config check} reports and {@code serve} refuses to start on, at {@code now}. */
    static List<ConfigProblem> problems(WardenConfig c, Instant now) {
        List<ConfigProblem> out = new ArrayList<>();
        List<WardenConfig.CertificatePair> pairs = c.tls().pairs();
        for (int i = 0; i < pairs.size(); i++) {
            WardenConfig.CertificatePair pair = pairs.get(i);
            int index = i;
            ServerTls.problem(pair, now).ifPresent(e -> out.add(ConfiguredPaths.problem(c, "tls", keyOf(c.tls(), index, pair, e.file()),
                    new ConfiguredPaths.Found(e.file() + ": " + e.problem(), e.fix()))));
        }
        return out;
    }

    /** What {@code config check} warns about: a certificate that expires within {@value #WARN_DAYS} days. */
    static List<String> warnings(WardenConfig c, Instant now) {
        List<String> out = new ArrayList<>();
        List<WardenConfig.CertificatePair> pairs = c.tls().pairs();
        for (int i = 0; i < pairs.size(); i++) {
            WardenConfig.CertificatePair pair = pairs.get(i);
            try {
                X509Certificate leaf = PemFiles.readChain(pair.certificate()).getFirst();
                long days = daysLeft(leaf, now);
                if (days >= 0 && days < WARN_DAYS) {
                    out.add(keyOf(c.tls(), i, pair, pair.certificate()) + ": " + pair.certificate() + " expires in " + days
                            + (days == 1 ? " day" : " days") + " (" + date(leaf.getNotAfter().toInstant())
                            + "): renew it (certbot renew) and check that certbot's timer runs");
                }
            } catch (CertificateFileException e) {
                // a problem, reported by problems()
            }
        }
        return out;
    }

    /** The doctor's items about the certificates of {@code c}, none when TLS is not configured. */
    static List<Item> examine(WardenConfig c, Instant now) {
        List<Item> items = new ArrayList<>();
        List<WardenConfig.CertificatePair> pairs = c.tls().pairs();
        Optional<List<String>> defaultNames = Optional.empty();
        for (int i = 0; i < pairs.size(); i++) {
            WardenConfig.CertificatePair pair = pairs.get(i);
            List<X509Certificate> chain;
            try {
                chain = PemFiles.readChain(pair.certificate());
            } catch (CertificateFileException e) {
                items.add(new Item("tls-certificate", "fail", e.file() + ": " + e.problem(), e.fix()));
                continue;
            }
            X509Certificate leaf = chain.getFirst();
            List<String> names = ServerNames.of(leaf);
            if (i == 0) defaultNames = Optional.of(names);
            items.add(new Item("tls-certificate", "ok", pair.certificate() + ": " + names + ", "
                    + (chain.size() == 1 ? "1 certificate" : chain.size() + " certificates"), ""));
            items.add(key(pair, leaf));
            items.add(expiry(pair, leaf, now));
            items.add(chain(pair, chain));
        }
        if (!pairs.isEmpty()) items.add(name(c.hostname(), pairs, defaultNames));
        return items;
    }

    private static Item key(WardenConfig.CertificatePair pair, X509Certificate leaf) {
        try {
            PrivateKey key = PemFiles.readKey(pair.key());
            if (ServerCertificate.matches(key, leaf.getPublicKey())) {
                return new Item("tls-key", "ok", pair.key() + ": the " + key.getAlgorithm() + " key of the certificate", "");
            }
            return new Item("tls-key", "fail", pair.key() + ": this private key does not belong to the certificate in "
                    + pair.certificate(), "point the key at the privkey.pem of the same certbot lineage (live/NAME) as the certificate");
        } catch (CertificateFileException e) {
            return new Item("tls-key", "fail", e.file() + ": " + e.problem(), e.fix());
        }
    }

    private static Item expiry(WardenConfig.CertificatePair pair, X509Certificate leaf, Instant now) {
        Instant notAfter = leaf.getNotAfter().toInstant();
        long days = daysLeft(leaf, now);
        if (now.isAfter(notAfter)) {
            return new Item("tls-expiry", "fail", pair.certificate() + " expired on " + date(notAfter)
                    + "; clients that verify refuse it and serve does not start", "renew it (certbot renew) and check certbot's timer");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            return new Item("tls-expiry", "fail", pair.certificate() + " is not valid before " + leaf.getNotBefore().toInstant(),
                    "check the system clock (timedatectl)");
        }
        String left = days + (days == 1 ? " day" : " days") + " left (until " + date(notAfter) + ")";
        if (days < WARN_DAYS) {
            return new Item("tls-expiry", "warn", pair.certificate() + ": " + left + "; certbot renews 30 days before,"
                    + " so its renewal is failing", "run 'certbot renew' and read its log; check that certbot's timer runs");
        }
        return new Item("tls-expiry", "ok", pair.certificate() + ": " + left, "");
    }

    private static Item chain(WardenConfig.CertificatePair pair, List<X509Certificate> chain) {
        X509Certificate leaf = chain.getFirst();
        String file = pair.certificate().toString();
        if (selfSigned(leaf)) {
            return new Item("tls-chain", "warn", file + ": self-signed; opportunistic STARTTLS accepts it, clients that verify"
                    + " (mail programs on 587/465, MTA-STS senders) refuse it", "use a certificate from a CA, e.g. Let's Encrypt with certbot");
        }
        // walk up the file: each certificate must be signed by the next one
        X509Certificate top = leaf;
        List<String> path = new ArrayList<>(List.of(cn(leaf)));
        for (X509Certificate next : chain.subList(1, chain.size())) {
            if (!signedBy(top, next)) break;
            top = next;
            path.add(cn(next));
        }
        if (top == leaf && trustedIssuer(leaf).isEmpty()) {
            return new Item("tls-chain", "fail", file + ": incomplete: the issuer of the certificate ("
                    + leaf.getIssuerX500Principal().getName() + ") is not in the file and not a root the JDK trusts, so"
                    + " clients cannot verify it", "point tls.certificate at certbot's fullchain.pem, not cert.pem");
        }
        if (selfSigned(top)) {
            boolean trusted = trustedIssuer(top).isPresent();
            return new Item("tls-chain", "ok", file + ": complete, " + String.join(" -> ", path) + " (the root is in the file"
                    + (trusted ? " and in the JDK's trust store)" : "; not in the JDK's trust store: a private CA)"), "");
        }
        Optional<X509Certificate> root = trustedIssuer(top);
        if (root.isPresent()) {
            path.add(cn(root.get()));
            return new Item("tls-chain", "ok", file + ": complete, " + String.join(" -> ", path)
                    + " (the root is in the JDK's trust store)", "");
        }
        return new Item("tls-chain", "ok", file + ": complete, " + String.join(" -> ", path) + " (the leaf's issuer is in the"
                + " file; its root " + top.getIssuerX500Principal().getName() + " is not in the JDK's trust store: a private CA)", "");
    }

    private static Item name(String hostname, List<WardenConfig.CertificatePair> pairs, Optional<List<String>> defaultNames) {
        if (defaultNames.isPresent() && ServerNames.matches(defaultNames.get(), hostname)) {
            return new Item("tls-name", "ok", hostname + " is among the names of " + pairs.getFirst().certificate()
                    + " " + defaultNames.get(), "");
        }
        for (WardenConfig.CertificatePair pair : pairs.subList(1, pairs.size())) {
            try {
                List<String> names = ServerNames.of(PemFiles.readChain(pair.certificate()).getFirst());
                if (ServerNames.matches(names, hostname)) {
                    return new Item("tls-name", "warn", hostname + " is a name of " + pair.certificate() + ", sent only to clients that ask"
                            + " for it by SNI; the others get " + pairs.getFirst().certificate() + " " + defaultNames.orElse(List.of()),
                            "make the certificate for " + hostname + " tls.certificate (the first)");
                }
            } catch (CertificateFileException e) {
                // reported by its own tls-certificate item
            }
        }
        return new Item("tls-name", "fail", hostname + " is not among the names of the certificate"
                + defaultNames.map(n -> " " + n).orElse("") + "; clients that verify the name refuse it",
                "get a certificate for " + hostname + " (certbot certonly -d " + hostname + ") or correct 'hostname:'");
    }

    /** {@code tls.certificate} or {@code tls.key} for {@code file} of pair {@code index}, or {@code tls.certificates}. */
    private static String keyOf(WardenConfig.Tls tls, int index, WardenConfig.CertificatePair pair, java.nio.file.Path file) {
        if (index > 0 || tls.certificate().isEmpty()) return "tls.certificates";
        return file.equals(pair.key()) && !file.equals(pair.certificate()) ? "tls.key" : "tls.certificate";
    }

    private static long daysLeft(X509Certificate leaf, Instant now) {
        return Math.floorDiv(Duration.between(now, leaf.getNotAfter().toInstant()).toHours(), 24);
    }

    private static LocalDate date(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }

    private static boolean selfSigned(X509Certificate c) {
        return c.getSubjectX500Principal().equals(c.getIssuerX500Principal()) && signedBy(c, c);
    }

    private static boolean signedBy(X509Certificate c, X509Certificate issuer) {
        if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) return false;
        try {
            c.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The root in the JDK's default trust store that signed {@code c}, if any. */
    private static Optional<X509Certificate> trustedIssuer(X509Certificate c) {
        for (X509Certificate root : jdkRoots()) {
            if (signedBy(c, root)) return Optional.of(root);
        }
        return Optional.empty();
    }

    private static List<X509Certificate> roots;

    private static synchronized List<X509Certificate> jdkRoots() {
        if (roots == null) {
            try {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init((KeyStore) null);
                List<X509Certificate> all = new ArrayList<>();
                for (var tm : tmf.getTrustManagers()) {
                    if (tm instanceof X509TrustManager x) all.addAll(List.of(x.getAcceptedIssuers()));
                }
                roots = List.copyOf(all);
            } catch (GeneralSecurityException e) {
                roots = List.of(); // no trust store: nothing is trusted, which the chain item then says
            }
        }
        return roots;
    }

    private static String cn(X509Certificate c) {
        String dn = c.getSubjectX500Principal().getName();
        for (String part : dn.split(",")) {
            if (part.startsWith("CN=")) return part.substring(3);
        }
        return dn;
    }
}
