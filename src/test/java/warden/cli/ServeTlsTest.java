package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.testing.Dialogue;
import warden.testing.TestCa;
import warden.testing.TestCa.KeyEncoding;
import warden.testing.TestCa.KeyType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code serve} with certbot's files: STARTTLS on port 25's role and TLS from the first byte on a
 * submissions listener present the certificate for the name asked (SNI), and a renewal (certbot
 * swapping its links) is served without a restart, told in the main log.
 */
@Timeout(90)
class ServeTlsTest {

    @TempDir
    Path dir;

    @Test
    void serveUsesTheCertificatesByNameAndTakesARenewalWithoutRestart() throws Exception {
        TestCa ca = TestCa.get();
        Path archive = Files.createDirectories(dir.resolve("letsencrypt/archive/mx"));
        Path live = Files.createDirectories(dir.resolve("letsencrypt/live/mx"));
        TestCa.Leaf first = ca.leaf(KeyType.EC, "mx.warden.test");
        first.writeChain(archive.resolve("fullchain1.pem"));
        first.writeKey(archive.resolve("privkey1.pem"), KeyEncoding.PKCS8);
        Files.createSymbolicLink(live.resolve("fullchain.pem"), Path.of("../../archive/mx/fullchain1.pem"));
        Files.createSymbolicLink(live.resolve("privkey.pem"), Path.of("../../archive/mx/privkey1.pem"));
        TestCa.Leaf other = ca.leaf(KeyType.RSA, "smtp.other.test");
        TestCa.PemPair otherFiles = other.write(dir.resolve("other"), KeyEncoding.PKCS1);

        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, "hostname: mx.warden.test\ndata_dir: " + dir.resolve("var") + "\n"
                + "greylist: {enabled: false}\n"
                + "listen: [\"127.0.0.1:0\", {address: \"127.0.0.1:0\", role: submissions}]\n"
                + "auth: {passwd_file: " + Files.writeString(dir.resolve("passwd"), "") + "}\n"
                + "tls:\n  certificate: " + live.resolve("fullchain.pem") + "\n  key: " + live.resolve("privkey.pem")
                + "\n  certificates:\n    - {certificate: " + otherFiles.certificate() + ", key: " + otherFiles.key() + "}\n");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(console, true))) {
            List<InetSocketAddress> ports = running.server().boundAddresses();
            assertThat(startTls(ports.getFirst(), "mx.warden.test")).isEqualTo(first.certificate());
            assertThat(startTls(ports.getFirst(), "smtp.other.test")).isEqualTo(other.certificate());
            try (Dialogue d = Dialogue.connectTls(ports.get(1), "smtp.other.test")) {
                d.expect(220);
                assertThat(d.tlsSession().getPeerCertificates()[0]).isEqualTo(other.certificate());
            }

            // certbot renews: new archive files, then the links swapped
            TestCa.Leaf second = ca.leaf(KeyType.EC, "mx.warden.test");
            second.writeChain(archive.resolve("fullchain2.pem"));
            second.writeKey(archive.resolve("privkey2.pem"), KeyEncoding.PKCS8);
            swapLink(live.resolve("fullchain.pem"), Path.of("../../archive/mx/fullchain2.pem"));
            swapLink(live.resolve("privkey.pem"), Path.of("../../archive/mx/privkey2.pem"));
            long deadline = System.nanoTime() + 20_000_000_000L;
            X509Certificate got;
            do {
                Thread.sleep(500);
                got = startTls(ports.getFirst(), "mx.warden.test");
            } while (!got.equals(second.certificate()) && System.nanoTime() < deadline);
            assertThat(got).isEqualTo(second.certificate());
            assertThat(Files.readString(dir.resolve("var/log/mainlog")))
                    .contains("TLS: certificate files changed, now using mx.warden.test (EC, until ");
        }
    }

    /** STARTTLS asking for {@code sni}: the certificate the server presented. */
    private static X509Certificate startTls(InetSocketAddress port, String sni) throws Exception {
        try (Dialogue d = Dialogue.connect(port)) {
            d.expect(220).send("EHLO client.example.org").expect(250).send("STARTTLS").expect(220);
            d.startTls(sni);
            X509Certificate c = (X509Certificate) d.tlsSession().getPeerCertificates()[0];
            d.send("EHLO client.example.org").expect(250).send("QUIT").expect(221);
            return c;
        }
    }

    private static void swapLink(Path link, Path target) throws Exception {
        Path tmp = link.resolveSibling(link.getFileName() + ".new");
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
