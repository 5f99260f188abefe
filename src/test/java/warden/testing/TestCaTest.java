package warden.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.testing.TestCa.KeyEncoding;
import warden.testing.TestCa.KeyType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The test CA's files as the real {@code openssl} sees them: a chain that verifies, keys in each encoding. */
@Timeout(60)
class TestCaTest {

    @TempDir
    Path dir;

    @Test
    void opensslVerifiesTheChainAgainstTheRoot() throws Exception {
        TestCa ca = TestCa.get();
        Path root = ca.writeRoot(dir.resolve("ca.pem"));
        TestCa.PemPair files = ca.leaf(KeyType.EC, "mx.example.test", "127.0.0.1").write(dir.resolve("live"));
        assertThat(Files.readString(files.certificate()).split("BEGIN CERTIFICATE", -1)).hasSize(3); // leaf and intermediate
        String out = openssl("verify", "-CAfile", root.toString(), "-untrusted", files.certificate().toString(),
                "-verify_hostname", "mx.example.test", files.certificate().toString());
        assertThat(out).contains(": OK");
        assertThat(openssl("x509", "-in", files.certificate().toString(), "-noout", "-ext", "subjectAltName"))
                .contains("DNS:mx.example.test").contains("IP Address:127.0.0.1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.key()))).isEqualTo("rw-------");
    }

    @Test
    void anExpiredLeafIsExpired() throws Exception {
        TestCa.Leaf leaf = TestCa.get().expired(KeyType.RSA, "old.example.test");
        assertThat(leaf.certificate().getNotAfter().toInstant()).isBefore(Instant.now());
        TestCa.PemPair files = leaf.write(dir);
        assertThat(openssl("x509", "-in", files.certificate().toString(), "-noout", "-checkend", "0"))
                .contains("Certificate will expire");
    }

    @ParameterizedTest(name = "{0} key as {1}")
    @CsvSource({"RSA, PKCS8, BEGIN PRIVATE KEY", "RSA, PKCS1, BEGIN RSA PRIVATE KEY", "EC, PKCS8, BEGIN PRIVATE KEY",
            "EC, SEC1, BEGIN EC PRIVATE KEY", "EC, SEC1_WITH_PARAMETERS, BEGIN EC PARAMETERS"})
    void opensslReadsEveryKeyEncodingAndItMatchesTheCertificate(KeyType type, KeyEncoding encoding, String header) throws Exception {
        TestCa.PemPair files = TestCa.get().leaf(type, "mx.example.test").write(dir, encoding);
        assertThat(Files.readString(files.key())).startsWith("-----" + header + "-----");
        String fromKey = openssl("pkey", "-in", files.key().toString(), "-pubout");
        String fromCertificate = openssl("x509", "-in", files.certificate().toString(), "-noout", "-pubkey");
        assertThat(fromKey).contains("BEGIN PUBLIC KEY").isEqualTo(fromCertificate);
    }

    private String openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
