package warden.tls;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads certificate chains and private keys from PEM files exactly as certbot (Let's Encrypt)
 * and {@code openssl} write them: {@code fullchain.pem} (the leaf, then the intermediates) and
 * {@code privkey.pem} with an RSA or EC key as PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1
 * ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}, possibly after an
 * {@code EC PARAMETERS} block, as {@code openssl ecparam -genkey} writes). BouncyCastle's
 * {@link PEMParser} only parses; the keys and certificates are the JDK's own, so that the TLS
 * handshake runs on the JDK's providers.
 *
 * <h2>Standards</h2>
 * RFC 7468 (textual encodings: PEM), RFC 5208/5958 (PKCS#8), RFC 8017 appendix A.1.2 (PKCS#1
 * RSAPrivateKey), RFC 5915 (SEC1 ECPrivateKey), RFC 5280 (X.509).
 *
 * <p>Not read: encrypted keys (a server cannot ask for a passphrase; said so with the fix), DSA keys.
 */
public final class PemFiles {

    /** Key algorithms by their OID in the key's AlgorithmIdentifier, as the JDK names them. */
    private static final Map<ASN1ObjectIdentifier, String> ALGORITHMS = Map.of(
            PKCSObjectIdentifiers.rsaEncryption, "RSA",
            PKCSObjectIdentifiers.id_RSASSA_PSS, "RSASSA-PSS",
            X9ObjectIdentifiers.id_ecPublicKey, "EC",
            EdECObjectIdentifiers.id_Ed25519, "Ed25519",
            EdECObjectIdentifiers.id_Ed448, "Ed448");

    private PemFiles() {}

    /**
     * The certificates of {@code file} in order (leaf first).
     *
     * @throws CertificateFileException if the file cannot be read or holds no certificate
     */
    public static List<X509Certificate> readChain(Path file) throws CertificateFileException {
        List<Object> objects = read(file, "certificate");
        List<X509Certificate> chain = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Object o : objects) {
                if (o instanceof X509CertificateHolder h) {
                    chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(h.getEncoded())));
                }
            }
        } catch (CertificateException | IOException e) {
            throw new CertificateFileException(file, "a certificate in it cannot be decoded: " + e.getMessage(),
                    "point tls.certificate at the fullchain.pem certbot wrote");
        }
        if (chain.isEmpty()) {
            boolean key = objects.stream().anyMatch(o -> o instanceof PEMKeyPair || o instanceof PrivateKeyInfo);
            throw new CertificateFileException(file, key ? "holds a private key, not a certificate" : "holds no PEM certificate",
                    key ? "swap tls.certificate and tls.key (certificate: fullchain.pem, key: privkey.pem)"
                            : "point tls.certificate at a PEM file with BEGIN CERTIFICATE blocks (certbot's fullchain.pem)");
        }
        return List.copyOf(chain);
    }

    /**
     * The private key of {@code file}.
     *
     * @throws CertificateFileException if the file cannot be read, holds no key, or an encrypted one
     */
    public static PrivateKey readKey(Path file) throws CertificateFileException {
        List<Object> objects = read(file, "key");
        for (Object o : objects) {
            PrivateKeyInfo info = switch (o) {
                case PEMKeyPair pair -> pair.getPrivateKeyInfo(); // PKCS#1 RSA or SEC1 EC
                case PrivateKeyInfo p -> p;                       // PKCS#8
                default -> null;
            };
            if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                throw new CertificateFileException(file, "the private key is encrypted with a passphrase",
                        "write it without one: openssl pkey -in " + file + " -out privkey.pem (and keep it readable by Warden only)");
            }
            if (info == null) continue;
            String algorithm = ALGORITHMS.get(info.getPrivateKeyAlgorithm().getAlgorithm());
            if (algorithm == null) {
                throw new CertificateFileException(file, "the private key's algorithm ("
                        + info.getPrivateKeyAlgorithm().getAlgorithm() + ") is not RSA or EC", "use an RSA or EC (ECDSA) key");
            }
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
            } catch (GeneralSecurityException | IOException e) {
                throw new CertificateFileException(file, "the " + algorithm + " private key cannot be decoded: " + e.getMessage(),
                        "point tls.key at the privkey.pem certbot wrote");
            }
        }
        boolean certificate = objects.stream().anyMatch(o -> o instanceof X509CertificateHolder);
        throw new CertificateFileException(file, certificate ? "holds a certificate, not a private key" : "holds no PEM private key",
                certificate ? "swap tls.certificate and tls.key (certificate: fullchain.pem, key: privkey.pem)"
                        : "point tls.key at a PEM file with a BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block (certbot's privkey.pem)");
    }

    /** Every PEM object of {@code file}; {@code what} is "certificate" or "key", for the fix. */
    private static List<Object> read(Path file, String what) throws CertificateFileException {
        String key = "tls." + what;
        if (!Files.exists(file)) {
            throw new CertificateFileException(file, "does not exist",
                    "correct " + key + " (certbot's files are /etc/letsencrypt/live/NAME/" + (what.equals("key") ? "privkey" : "fullchain")
                            + ".pem) or obtain a certificate first");
        }
        if (!Files.isRegularFile(file)) {
            throw new CertificateFileException(file, "is not a file", "point " + key + " at a PEM file");
        }
        List<Object> out = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) out.add(o);
        } catch (AccessDeniedException e) {
            throw new CertificateFileException(file, "cannot be read: Permission denied",
                    "let the user Warden runs as read it (e.g. chgrp warden and chmod g+r, and g+x on /etc/letsencrypt/live and archive)");
        } catch (NoSuchFileException e) {
            throw new CertificateFileException(file, "does not exist (a dangling link?)", "correct " + key + " or renew the certificate");
        } catch (IOException | RuntimeException e) {
            throw new CertificateFileException(file, "is not a valid PEM file: " + firstLine(e),
                    "point " + key + " at the PEM file certbot wrote (" + (what.equals("key") ? "privkey" : "fullchain") + ".pem)");
        }
        return out;
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
