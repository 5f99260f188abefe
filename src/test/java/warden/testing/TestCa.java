package warden.testing;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import warden.config.WardenConfig;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test certificate authority, as Let's Encrypt is built: a root (what clients trust: {@link
 * #writeRoot}, {@link #clientContext}) and an intermediate that signs the leaf certificates, so
 * that a {@code fullchain.pem} holds the leaf and the intermediate, exactly as certbot's does.
 *
 * <pre>
 * TestCa ca = TestCa.get();                                     // one per JVM, made on first use
 * TestCa.Leaf leaf = ca.leaf(TestCa.KeyType.EC, "mx.example.test", "*.example.test");
 * TestCa.PemPair files = leaf.write(dir);                       // dir/fullchain.pem, dir/privkey.pem (PKCS#8)
 * leaf.write(dir, TestCa.KeyEncoding.PKCS1);                    // RSA keys as "BEGIN RSA PRIVATE KEY"
 * ca.expired(TestCa.KeyType.RSA, "old.example.test").write(dir2);
 * ca.writeRoot(dir.resolve("ca.pem"));                          // for openssl -CAfile, Postfix smtp_tls_CAfile
 * </pre>
 * A name that is an IP literal ({@code 127.0.0.1}) goes into the subjectAltName as an address.
 */
public final class TestCa {

    /** The leaf key: RSA 2048 or EC P-256 (ECDSA). */
    public enum KeyType { RSA, EC }

    /**
     * How {@code privkey.pem} is written: {@code PKCS8} ({@code BEGIN PRIVATE KEY}, what certbot
     * writes), {@code PKCS1} ({@code BEGIN RSA PRIVATE KEY}, RSA only, {@code openssl genrsa
     * -traditional}), {@code SEC1} ({@code BEGIN EC PRIVATE KEY}, EC only), {@code SEC1_WITH_PARAMETERS}
     * (an {@code EC PARAMETERS} block first, as {@code openssl ecparam -genkey} writes).
     */
    public enum KeyEncoding { PKCS8, PKCS1, SEC1, SEC1_WITH_PARAMETERS }

    /** A certificate chain's and key's PEM files. */
    public record PemPair(Path certificate, Path key) {
        /** As the configuration's {@code {certificate, key}}. */
        public WardenConfig.CertificatePair pair() {
            return new WardenConfig.CertificatePair(certificate, key);
        }

        /** {@code tls.certificate}/{@code tls.key} with the default protocols. */
        public WardenConfig.Tls tls() {
            return new WardenConfig.Tls(java.util.Optional.of(certificate), java.util.Optional.of(key), List.of(),
                    WardenConfig.Tls.DEFAULT_PROTOCOLS);
        }

        /** The YAML lines of a {@code tls:} section naming these files. */
        public String yaml() {
            return "tls:\n  certificate: " + certificate + "\n  key: " + key + "\n";
        }
    }

    /**
     * A leaf certificate and its key.
     *
     * @param chain the leaf, then the intermediate (what {@code fullchain.pem} holds)
     */
    public record Leaf(X509Certificate certificate, PrivateKey key, List<X509Certificate> chain) {

        /** Writes {@code dir/fullchain.pem} and {@code dir/privkey.pem} (PKCS#8), creating {@code dir}. */
        public PemPair write(Path dir) throws IOException {
            return write(dir, KeyEncoding.PKCS8);
        }

        /** Writes {@code dir/fullchain.pem} and {@code dir/privkey.pem} in {@code encoding}, creating {@code dir}. */
        public PemPair write(Path dir, KeyEncoding encoding) throws IOException {
            Files.createDirectories(dir);
            PemPair files = new PemPair(dir.resolve("fullchain.pem"), dir.resolve("privkey.pem"));
            writeChain(files.certificate());
            writeKey(files.key(), encoding);
            return files;
        }

        /** Writes the chain (leaf first) to {@code file}, replacing it atomically. */
        public void writeChain(Path file) throws IOException {
            StringBuilder b = new StringBuilder();
            for (X509Certificate c : chain) b.append(certificatePem(c));
            replace(file, b.toString());
        }

        /** Writes the key to {@code file} (mode 0600), replacing it atomically. */
        public void writeKey(Path file, KeyEncoding encoding) throws IOException {
            replace(file, keyPem(key, certificate, encoding));
        }

        /** The chain as PEM text. */
        public String chainPem() {
            StringBuilder b = new StringBuilder();
            for (X509Certificate c : chain) b.append(certificatePem(c));
            return b.toString();
        }
    }

    private static TestCa shared;
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final X509Certificate root;
    private final X509Certificate intermediate;
    private final PrivateKey intermediateKey;

    private TestCa(X509Certificate root, X509Certificate intermediate, PrivateKey intermediateKey) {
        this.root = root;
        this.intermediate = intermediate;
        this.intermediateKey = intermediateKey;
    }

    /** The CA of this JVM, made on first use. */
    public static synchronized TestCa get() {
        if (shared == null) shared = create();
        return shared;
    }

    /** A new CA (root and intermediate, EC P-256, valid ten years). */
    public static TestCa create() {
        try {
            Instant now = Instant.now();
            KeyPair rootKeys = keys(KeyType.EC);
            X500Name rootName = new X500Name("CN=Warden Test Root CA,O=Warden tests");
            X509Certificate root = sign(rootName, rootKeys.getPrivate(), rootName, rootKeys.getPublic(), null,
                    now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)), true, List.of(), null);
            KeyPair interKeys = keys(KeyType.EC);
            X500Name interName = new X500Name("CN=Warden Test Intermediate E1,O=Warden tests");
            X509Certificate inter = sign(rootName, rootKeys.getPrivate(), interName, interKeys.getPublic(), root,
                    now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)), true, List.of(), null);
            return new TestCa(root, inter, interKeys.getPrivate());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make the test CA: " + e, e);
        }
    }

    /** The root certificate: what a client must trust. */
    public X509Certificate root() {
        return root;
    }

    /** The intermediate that signs the leaves. */
    public X509Certificate intermediate() {
        return intermediate;
    }

    /** Writes the root certificate as PEM to {@code file} (a client's CA file); returns {@code file}. */
    public Path writeRoot(Path file) throws IOException {
        replace(file, certificatePem(root));
        return file;
    }

    /** A client context trusting only this CA's root (TLS 1.2 and 1.3). */
    public SSLContext clientContext() {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("root", root);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A leaf for {@code names} valid from yesterday for 90 days (as Let's Encrypt issues them). */
    public Leaf leaf(KeyType type, String... names) {
        Instant now = Instant.now();
        return leaf(type, now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(89)), names);
    }

    /** A leaf for {@code names} that expired yesterday (valid for the 90 days before). */
    public Leaf expired(KeyType type, String... names) {
        Instant now = Instant.now();
        return leaf(type, now.minus(Duration.ofDays(91)), now.minus(Duration.ofDays(1)), names);
    }

    /** A leaf for {@code names} valid from {@code notBefore} to {@code notAfter}. */
    public Leaf leaf(KeyType type, Instant notBefore, Instant notAfter, String... names) {
        if (names.length == 0) throw new IllegalArgumentException("a leaf needs at least one name");
        try {
            KeyPair keys = keys(type);
            X509Certificate leaf = sign(X500Name.getInstance(intermediate.getSubjectX500Principal().getEncoded()), intermediateKey,
                    new X500Name("CN=" + names[0]), keys.getPublic(), intermediate, notBefore, notAfter, false,
                    List.of(names), type);
            return new Leaf(leaf, keys.getPrivate(), List.of(leaf, intermediate));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make a test certificate: " + e, e);
        }
    }

    /** A self-signed leaf for {@code names} (no CA at all), valid from yesterday for 90 days. */
    public static Leaf selfSigned(KeyType type, String... names) {
        try {
            Instant now = Instant.now();
            KeyPair keys = keys(type);
            X500Name name = new X500Name("CN=" + names[0]);
            X509Certificate c = sign(name, keys.getPrivate(), name, keys.getPublic(), null, now.minus(Duration.ofDays(1)),
                    now.plus(Duration.ofDays(89)), false, List.of(names), type);
            return new Leaf(c, keys.getPrivate(), List.of(c));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make a test certificate: " + e, e);
        }
    }

    /** A fresh key pair: RSA 2048 or EC P-256. */
    public static KeyPair keys(KeyType type) throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance(type == KeyType.RSA ? "RSA" : "EC");
        if (type == KeyType.RSA) g.initialize(2048);
        else g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X500Name issuer, PrivateKey issuerKey, X500Name subject, java.security.PublicKey key,
                                        X509Certificate issuerCertificate, Instant notBefore, Instant notAfter, boolean ca,
                                        List<String> names, KeyType leafType) throws GeneralSecurityException, IOException {
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), subject, key);
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key));
        if (issuerCertificate != null) {
            b.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerCertificate));
        }
        if (ca) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(issuerCertificate == null ? 1 : 0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        } else {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            int usage = KeyUsage.digitalSignature | (leafType == KeyType.RSA ? KeyUsage.keyEncipherment : 0);
            b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            List<GeneralName> sans = new ArrayList<>();
            for (String n : names) {
                boolean ip = n.matches("[0-9.]+") || n.contains(":");
                sans.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, n));
            }
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)));
        }
        String algorithm = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(issuerKey)));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** {@code certificate} as a PEM block. */
    public static String certificatePem(X509Certificate certificate) {
        try {
            return pem("CERTIFICATE", certificate.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code key} (the private half of {@code certificate}'s key) as PEM in {@code encoding}. */
    public static String keyPem(PrivateKey key, X509Certificate certificate, KeyEncoding encoding) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
            boolean rsa = key.getAlgorithm().equals("RSA");
            return switch (encoding) {
                case PKCS8 -> pem("PRIVATE KEY", key.getEncoded());
                case PKCS1 -> {
                    if (!rsa) throw new IllegalArgumentException("PKCS#1 is for RSA keys; use SEC1 for EC");
                    yield pem("RSA PRIVATE KEY", info.parsePrivateKey().toASN1Primitive().getEncoded());
                }
                case SEC1, SEC1_WITH_PARAMETERS -> {
                    if (rsa) throw new IllegalArgumentException("SEC1 is for EC keys; use PKCS1 for RSA");
                    var ec = (java.security.interfaces.ECPrivateKey) key;
                    SubjectPublicKeyInfo pub = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded());
                    ASN1Encodable curve = pub.getAlgorithm().getParameters();
                    ECPrivateKey sec1 = new ECPrivateKey(ec.getParams().getOrder().bitLength(), ec.getS(),
                            new DERBitString(pub.getPublicKeyData().getBytes()), curve);
                    String block = pem("EC PRIVATE KEY", sec1.getEncoded());
                    yield encoding == KeyEncoding.SEC1 ? block
                            : pem("EC PARAMETERS", curve.toASN1Primitive().getEncoded()) + block;
                }
            };
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter w = new PemWriter(out)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /** Writes {@code text} to {@code file} through a temporary file and a rename, mode 0600 for keys as certbot does. */
    private static void replace(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".tmp-", ".pem",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        if (text.contains("PRIVATE KEY")) Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
