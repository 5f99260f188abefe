package warden.tls;

import warden.config.WardenConfig;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One certificate chain and its private key, read from the PEM files of a
 * {@link WardenConfig.CertificatePair} and checked to belong together.
 *
 * @param certificateFile where the chain was read ({@code fullchain.pem})
 * @param keyFile where the key was read ({@code privkey.pem})
 * @param chain the leaf first, then the intermediates as the file lists them
 * @param key the leaf's private key
 * @param names the DNS names the leaf is for ({@link ServerNames#of})
 */
public record ServerCertificate(Path certificateFile, Path keyFile, List<X509Certificate> chain, PrivateKey key,
                                List<String> names) {

    public ServerCertificate {
        chain = List.copyOf(chain);
        names = List.copyOf(names);
    }

    /**
     * Reads {@code pair} and checks that its key belongs to its leaf certificate.
     *
     * @throws CertificateFileException naming the file and the fix when a file cannot be used or the key
     *         is not the certificate's
     */
    public static ServerCertificate read(WardenConfig.CertificatePair pair) throws CertificateFileException {
        List<X509Certificate> chain = PemFiles.readChain(pair.certificate());
        PrivateKey key = PemFiles.readKey(pair.key());
        X509Certificate leaf = chain.getFirst();
        if (!matches(key, leaf.getPublicKey())) {
            throw new CertificateFileException(pair.key(), "this private key does not belong to the certificate in "
                    + pair.certificate() + " (" + ServerNames.of(leaf) + ")",
                    "point tls.key at the privkey.pem of the same certbot lineage (the same live/NAME directory) as the certificate");
        }
        return new ServerCertificate(pair.certificate(), pair.key(), chain, key, ServerNames.of(leaf));
    }

    /**
     * This certificate if its leaf is valid at {@code now}.
     *
     * @throws CertificateFileException naming the certificate file when it has expired or is not valid yet
     */
    public ServerCertificate requireValidAt(Instant now) throws CertificateFileException {
        if (now.isAfter(notAfter())) {
            throw new CertificateFileException(certificateFile, "the certificate for " + names + " expired on " + notAfter(),
                    "renew it (certbot renew) or point tls.certificate at a current one");
        }
        if (now.isBefore(leaf().getNotBefore().toInstant())) {
            throw new CertificateFileException(certificateFile, "the certificate for " + names + " is not valid before "
                    + leaf().getNotBefore().toInstant(), "check the system clock, or use a certificate valid now");
        }
        return this;
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** The JSSE key type of the key: {@code RSA} or {@code EC}. */
    public String keyType() {
        return key.getAlgorithm();
    }

    /** When the leaf stops being valid. */
    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** Whether the leaf has expired at {@code now} (or is not valid yet). */
    public boolean expiredAt(Instant now) {
        return now.isAfter(notAfter()) || now.isBefore(leaf().getNotBefore().toInstant());
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: a signature made with one
     * verifies with the other (works the same for RSA, EC and EdDSA).
     */
    public static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "RSASSA-PSS" -> "RSASSA-PSS";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) return false;
        try {
            byte[] probe = "warden key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                signer.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            if (algorithm.equals("RSASSA-PSS")) {
                verifier.setParameter(new java.security.spec.PSSParameterSpec("SHA-256", "MGF1",
                        java.security.spec.MGF1ParameterSpec.SHA256, 32, 1));
            }
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // a different curve, a malformed key: not this certificate's key
        }
    }
}
