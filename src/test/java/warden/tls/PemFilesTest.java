package warden.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.testing.TestCa;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What {@link PemFiles} says about files it cannot use: the file, the problem, the fix. */
@Timeout(60)
class PemFilesTest {

    @TempDir
    Path dir;

    @Test
    void anEncryptedKeyIsRefusedWithHowToWriteItWithoutPassphrase() throws Exception {
        Path pkcs8 = dir.resolve("encrypted-pkcs8.pem");
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "pass:secret",
                "-out", pkcs8.toString());
        assertThat(Files.readString(pkcs8)).contains("BEGIN ENCRYPTED PRIVATE KEY");
        Path traditional = dir.resolve("encrypted-rsa.pem");
        openssl("genrsa", "-traditional", "-aes256", "-passout", "pass:secret", "-out", traditional.toString(), "2048");
        assertThat(Files.readString(traditional)).contains("Proc-Type: 4,ENCRYPTED");
        for (Path f : List.of(pkcs8, traditional)) {
            assertThatThrownBy(() -> PemFiles.readKey(f)).isInstanceOfSatisfying(CertificateFileException.class, e -> {
                assertThat(e.file()).isEqualTo(f);
                assertThat(e.problem()).isEqualTo("the private key is encrypted with a passphrase");
                assertThat(e.fix()).startsWith("write it without one: openssl pkey -in " + f);
            });
        }
    }

    @Test
    void emptyDerAndMissingFilesAreNamed() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertThatThrownBy(() -> PemFiles.readChain(empty)).hasMessage(empty + ": holds no PEM certificate (fix: point"
                + " tls.certificate at a PEM file with BEGIN CERTIFICATE blocks (certbot's fullchain.pem))");
        assertThatThrownBy(() -> PemFiles.readKey(empty)).hasMessageStartingWith(empty + ": holds no PEM private key (fix: ");

        Path der = Files.write(dir.resolve("cert.der"), TestCa.get().root().getEncoded());
        assertThatThrownBy(() -> PemFiles.readChain(der)).isInstanceOfSatisfying(CertificateFileException.class,
                e -> assertThat(e.problem()).startsWith("is not a valid PEM file"));

        Path missing = dir.resolve("live/mx/fullchain.pem");
        assertThatThrownBy(() -> PemFiles.readChain(missing)).hasMessage(missing + ": does not exist (fix: correct"
                + " tls.certificate (certbot's files are /etc/letsencrypt/live/NAME/fullchain.pem) or obtain a certificate first)");
        Path dangling = Files.createSymbolicLink(dir.resolve("privkey.pem"), dir.resolve("archive/privkey9.pem"));
        assertThatThrownBy(() -> PemFiles.readKey(dangling)).isInstanceOfSatisfying(CertificateFileException.class,
                e -> assertThat(e.problem()).startsWith("does not exist"));
        assertThatThrownBy(() -> PemFiles.readKey(dir)).isInstanceOfSatisfying(CertificateFileException.class,
                e -> assertThat(e.problem()).isEqualTo("is not a file"));
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
