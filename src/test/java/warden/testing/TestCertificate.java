package warden.testing;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed RSA certificate for {@code peer.warden.test} (and 127.0.0.1), made once per JVM
 * with the JDK's {@code keytool} into a temporary PKCS12 file: for test SMTP servers that offer
 * STARTTLS ({@link ScriptedSmtpServer}) and for a real Postfix started by a test
 * ({@link #writePem}).
 *
 * <p>Nothing trusts it: a client that checks certificates must be told to accept any (as
 * opportunistic TLS to an MX does, RFC 3207 section 4.1 and RFC 7435).
 */
public final class TestCertificate {

    /** The name in the certificate's subject and subjectAltName. */
    public static final String HOST = "peer.warden.test";
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final String ALIAS = "peer";

    private static TestCertificate instance;

    private final Path keyStoreFile;
    private final KeyStore keyStore;

    private TestCertificate(Path keyStoreFile, KeyStore keyStore) {
        this.keyStoreFile = keyStoreFile;
        this.keyStore = keyStore;
    }

    /** The certificate, made on first use (about a second) and kept for the rest of the JVM. */
    public static synchronized TestCertificate get() {
        if (instance == null) {
            try {
                instance = make();
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot make the test certificate: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while making the test certificate", e);
            }
        }
        return instance;
    }

    private static TestCertificate make() throws IOException, GeneralSecurityException, InterruptedException {
        Path dir = Files.createTempDirectory("warden-test-cert");
        dir.toFile().deleteOnExit();
        Path file = dir.resolve("peer.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS,
                "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                "-dname", "CN=" + HOST, "-ext", "SAN=dns:" + HOST + ",ip:127.0.0.1",
                "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                .redirectErrorStream(true).start();
        byte[] output = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("keytool failed: " + new String(output, StandardCharsets.UTF_8));
        }
        file.toFile().deleteOnExit();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, PASSWORD);
        }
        return new TestCertificate(file, ks);
    }

    /** A fresh server-side context presenting this certificate (TLS 1.2 and 1.3, as the JDK allows). */
    public SSLContext serverContext() {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keyStore, PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The PKCS12 file (password {@link #password()}), for tools that take one. */
    public Path keyStoreFile() {
        return keyStoreFile;
    }

    public String password() {
        return new String(PASSWORD);
    }

    public X509Certificate certificate() {
        try {
            return (X509Certificate) keyStore.getCertificate(ALIAS);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes the certificate and its private key as PEM ({@code CERTIFICATE}, PKCS#8
     * {@code PRIVATE KEY}), the files Postfix's {@code smtpd_tls_cert_file} and
     * {@code smtpd_tls_key_file} take; the key file is made readable by its owner only.
     */
    public void writePem(Path certFile, Path keyFile) throws IOException {
        try {
            PrivateKey key = (PrivateKey) keyStore.getKey(ALIAS, PASSWORD);
            Files.writeString(certFile, pem("CERTIFICATE", certificate().getEncoded()));
            Files.deleteIfExists(keyFile);
            Files.createFile(keyFile, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
