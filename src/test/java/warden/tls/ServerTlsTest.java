package warden.tls;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.config.WardenConfig;
import warden.testing.TestCa;
import warden.testing.TestCa.KeyEncoding;
import warden.testing.TestCa.KeyType;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The TLS server over real loopback sockets: each key encoding certbot and openssl write, the
 * certificate chosen by SNI, reload after the files are swapped as certbot does, a broken or
 * mismatched replacement refused, and TLS 1.2/1.3 only with the modern ciphers.
 */
@Timeout(120)
class ServerTlsTest {

    @TempDir
    Path dir;

    private final TestCa ca = TestCa.get();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private ServerSocket listener;

    @BeforeEach
    void listen() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        listener.close();
    }

    /** The server side of one connection: the handshake's result, or what it threw. */
    private CompletableFuture<TlsConnection> serveOne(ServerTls tls, Duration timeout) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Socket s = listener.accept();
                return tls.handshake(s, timeout);
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    /** A Java client trusting the test CA, asking for {@code sni} (when given), with {@code protocols}. */
    private SSLSocket client(SSLContext context, String sni, String... protocols) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        s.setSoTimeout(10_000);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
        if (protocols.length > 0) p.setProtocols(protocols);
        s.setSSLParameters(p);
        return s;
    }

    /** One handshake asking for {@code sni}: the certificate the client got and the server's view. */
    private Result connect(ServerTls tls, String sni, String... protocols) throws Exception {
        CompletableFuture<TlsConnection> server = serveOne(tls, Duration.ofSeconds(10));
        try (SSLSocket c = client(ca.clientContext(), sni, protocols)) {
            c.startHandshake();
            X509Certificate got = (X509Certificate) c.getSession().getPeerCertificates()[0];
            TlsConnection conn = server.get(10, TimeUnit.SECONDS);
            conn.socket().close();
            return new Result(got, conn);
        }
    }

    private record Result(X509Certificate certificate, TlsConnection connection) {}

    private static WardenConfig.Tls tls(TestCa.PemPair first, TestCa.PemPair... more) {
        return new WardenConfig.Tls(Optional.of(first.certificate()), Optional.of(first.key()),
                java.util.Arrays.stream(more).map(TestCa.PemPair::pair).toList(), WardenConfig.Tls.DEFAULT_PROTOCOLS);
    }

    @ParameterizedTest(name = "{0} key as {1}")
    @CsvSource({"RSA, PKCS8", "RSA, PKCS1", "EC, PKCS8", "EC, SEC1", "EC, SEC1_WITH_PARAMETERS"})
    void everyKeyEncodingLoadsAndServes(KeyType type, KeyEncoding encoding) throws Exception {
        TestCa.Leaf leaf = ca.leaf(type, "mx.example.test");
        TestCa.PemPair files = leaf.write(dir, encoding);
        assertThat(Files.readString(files.key())).contains(switch (encoding) {
            case PKCS8 -> "BEGIN PRIVATE KEY";
            case PKCS1 -> "BEGIN RSA PRIVATE KEY";
            case SEC1 -> "BEGIN EC PRIVATE KEY";
            case SEC1_WITH_PARAMETERS -> "BEGIN EC PARAMETERS";
        });
        ServerTls tls = ServerTls.load(files.tls(), log::add);
        assertThat(tls.certificates().getFirst().keyType()).isEqualTo(type.name());
        assertThat(tls.certificates().getFirst().chain()).hasSize(2);

        Result r = connect(tls, "mx.example.test");
        assertThat(r.certificate()).isEqualTo(leaf.certificate());
        assertThat(r.connection().protocol()).isEqualTo("TLSv1.3");
        assertThat(r.connection().describe()).matches("TLS1\\.3:TLS_(AES_256_GCM_SHA384:256|AES_128_GCM_SHA256:128|CHACHA20_POLY1305_SHA256:256)");
        assertThat(r.connection().sni()).contains("mx.example.test");
    }

    @Test
    void opensslEcKeyFromReqAndEcparamLoad() throws Exception {
        // openssl req -x509 -newkey ec: a PKCS#8 key ("BEGIN PRIVATE KEY")
        Path c1 = dir.resolve("ec-cert.pem");
        Path k1 = dir.resolve("ec-key.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", k1.toString(),
                "-out", c1.toString(), "-days", "2", "-subj", "/CN=ec.example.test", "-addext", "subjectAltName=DNS:ec.example.test");
        assertThat(Files.readString(k1)).contains("BEGIN PRIVATE KEY");
        // openssl ecparam -genkey: "EC PARAMETERS" then "EC PRIVATE KEY" (SEC1)
        Path k2 = dir.resolve("ecparam-key.pem");
        Path c2 = dir.resolve("ecparam-cert.pem");
        openssl("ecparam", "-genkey", "-name", "prime256v1", "-out", k2.toString());
        openssl("req", "-x509", "-new", "-key", k2.toString(), "-out", c2.toString(), "-days", "2",
                "-subj", "/CN=sec1.example.test", "-addext", "subjectAltName=DNS:sec1.example.test");
        assertThat(Files.readString(k2)).contains("BEGIN EC PARAMETERS").contains("BEGIN EC PRIVATE KEY");

        ServerTls tls = ServerTls.load(new WardenConfig.Tls(Optional.of(c1), Optional.of(k1),
                List.of(new WardenConfig.CertificatePair(c2, k2)), WardenConfig.Tls.DEFAULT_PROTOCOLS), log::add);
        assertThat(tls.certificates()).extracting(ServerCertificate::names)
                .containsExactly(List.of("ec.example.test"), List.of("sec1.example.test"));
        assertThat(tls.certificates()).extracting(ServerCertificate::keyType).containsExactly("EC", "EC");
    }

    @Test
    void opensslTraditionalRsaKeyLoads() throws Exception {
        Path k = dir.resolve("rsa-key.pem");
        Path c = dir.resolve("rsa-cert.pem");
        openssl("genrsa", "-traditional", "-out", k.toString(), "2048");
        openssl("req", "-x509", "-new", "-key", k.toString(), "-out", c.toString(), "-days", "2",
                "-subj", "/CN=rsa.example.test", "-addext", "subjectAltName=DNS:rsa.example.test");
        assertThat(Files.readString(k)).contains("BEGIN RSA PRIVATE KEY");
        ServerTls tls = ServerTls.load(new WardenConfig.Tls(Optional.of(c), Optional.of(k), List.of(),
                WardenConfig.Tls.DEFAULT_PROTOCOLS), log::add);
        assertThat(tls.certificates().getFirst().keyType()).isEqualTo("RSA");
        assertThat(tls.certificates().getFirst().names()).containsExactly("rsa.example.test");
    }

    @Test
    void crlfLinesTextAroundTheBlocksAndOneCombinedFileAreRead() throws Exception {
        TestCa.Leaf leaf = ca.leaf(KeyType.RSA, "mx.example.test");
        // as an operator may assemble it: "openssl x509 -text"-style lines between blocks, CRLF line ends,
        // and the key in the same file as the chain (tls.certificate and tls.key naming one file)
        String combined = ("subject=CN = mx.example.test\nissuer=CN = Warden Test Intermediate E1\n" + leaf.chainPem()
                + "\n# the key\n" + TestCa.keyPem(leaf.key(), leaf.certificate(), KeyEncoding.PKCS1)).replace("\n", "\r\n");
        Path file = Files.writeString(dir.resolve("combined.pem"), combined);
        ServerTls tls = ServerTls.load(new WardenConfig.Tls(Optional.of(file), Optional.of(file), List.of(),
                WardenConfig.Tls.DEFAULT_PROTOCOLS), log::add);
        assertThat(tls.certificates().getFirst().chain()).hasSize(2);
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(leaf.certificate());
    }

    @Test
    void sniChoosesTheCertificateForTheName() throws Exception {
        TestCa.Leaf first = ca.leaf(KeyType.EC, "mx.example.test");
        TestCa.Leaf wildcard = ca.leaf(KeyType.RSA, "*.example.org");
        TestCa.Leaf other = ca.leaf(KeyType.EC, "smtp.example.net", "mail.example.net");
        ServerTls tls = ServerTls.load(tls(first.write(dir.resolve("a")), wildcard.write(dir.resolve("b"), KeyEncoding.PKCS1),
                other.write(dir.resolve("c"), KeyEncoding.SEC1)), log::add);

        assertThat(connect(tls, "mail.example.net").certificate()).isEqualTo(other.certificate());
        assertThat(connect(tls, "SMTP.example.NET").certificate()).isEqualTo(other.certificate());
        Result org = connect(tls, "submit.example.org");
        assertThat(org.certificate()).isEqualTo(wildcard.certificate());
        assertThat(org.connection().sni()).contains("submit.example.org");
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(first.certificate());
        // no match and no SNI: the first pair, tls.certificate
        assertThat(connect(tls, "a.b.example.org").certificate()).isEqualTo(first.certificate());
        Result none = connect(tls, null);
        assertThat(none.certificate()).isEqualTo(first.certificate());
        assertThat(none.connection().sni()).isEmpty();
    }

    @Test
    void rsaAndEcdsaCertificatesForTheSameNameEachServeTheirClients() throws Exception {
        TestCa.Leaf ec = ca.leaf(KeyType.EC, "mx.example.test");
        TestCa.Leaf rsa = ca.leaf(KeyType.RSA, "mx.example.test");
        ServerTls tls = ServerTls.load(tls(ec.write(dir.resolve("ec")), rsa.write(dir.resolve("rsa"))), log::add);
        // a TLS 1.2 client that only does RSA authentication gets the RSA certificate, with or without SNI
        for (String sni : new String[] {"mx.example.test", null}) {
            CompletableFuture<TlsConnection> server = serveOne(tls, Duration.ofSeconds(10));
            try (SSLSocket c = client(ca.clientContext(), sni, "TLSv1.2")) {
                c.setEnabledCipherSuites(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
                c.startHandshake();
                assertThat(c.getSession().getPeerCertificates()[0]).isEqualTo(rsa.certificate());
                assertThat(server.get(10, TimeUnit.SECONDS).describe()).isEqualTo("TLS1.2:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:128");
            }
        }
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(ec.certificate());
    }

    @Test
    void reloadsAfterCertbotSwapsItsLinks() throws Exception {
        // certbot's layout: live/NAME/*.pem are links into archive/NAME/*N.pem, swapped on renewal
        Path archive = Files.createDirectories(dir.resolve("archive/mx"));
        Path live = Files.createDirectories(dir.resolve("live/mx"));
        TestCa.Leaf one = ca.leaf(KeyType.EC, "mx.example.test");
        one.writeChain(archive.resolve("fullchain1.pem"));
        one.writeKey(archive.resolve("privkey1.pem"), KeyEncoding.PKCS8);
        Files.createSymbolicLink(live.resolve("fullchain.pem"), Path.of("../../archive/mx/fullchain1.pem"));
        Files.createSymbolicLink(live.resolve("privkey.pem"), Path.of("../../archive/mx/privkey1.pem"));
        ServerTls tls = ServerTls.load(new TestCa.PemPair(live.resolve("fullchain.pem"), live.resolve("privkey.pem")).tls(),
                log::add, Clock.systemUTC(), Duration.ZERO);
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(one.certificate());

        TestCa.Leaf two = ca.leaf(KeyType.RSA, "mx.example.test", "smtp.example.test");
        two.writeChain(archive.resolve("fullchain2.pem"));
        two.writeKey(archive.resolve("privkey2.pem"), KeyEncoding.PKCS8);
        swapLink(live.resolve("fullchain.pem"), Path.of("../../archive/mx/fullchain2.pem"));
        swapLink(live.resolve("privkey.pem"), Path.of("../../archive/mx/privkey2.pem"));

        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(two.certificate());
        assertThat(tls.certificates().getFirst().names()).containsExactly("mx.example.test", "smtp.example.test");
        assertThat(log).singleElement().asString().startsWith("TLS: certificate files changed, now using mx.example.test,smtp.example.test (RSA");
    }

    @Test
    void halfSwappedFilesAreTriedAgainWithoutComplaint() throws Exception {
        TestCa.Leaf one = ca.leaf(KeyType.EC, "mx.example.test");
        TestCa.PemPair files = one.write(dir);
        ServerTls tls = ServerTls.load(files.tls(), log::add, Clock.systemUTC(), Duration.ZERO);
        TestCa.Leaf two = ca.leaf(KeyType.EC, "mx.example.test");
        two.writeChain(files.certificate()); // the new chain is there, the key not yet
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(one.certificate());
        assertThat(log).isEmpty();
        two.writeKey(files.key(), KeyEncoding.PKCS8);
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(two.certificate());
        assertThat(log).hasSize(1);
    }

    @Test
    void aBrokenReplacementKeepsTheCertificateInUseAndIsToldOnce() throws Exception {
        TestCa.Leaf one = ca.leaf(KeyType.EC, "mx.example.test");
        TestCa.PemPair files = one.write(dir);
        ServerTls tls = ServerTls.load(files.tls(), log::add, Clock.systemUTC(), Duration.ZERO);

        Path tmp = dir.resolve("new.pem");
        Files.writeString(tmp, "this is not PEM\n");
        Files.move(tmp, files.key(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(files.key(), FileTime.from(Instant.now().minusSeconds(60))); // settled long ago

        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(one.certificate());
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(one.certificate());
        assertThat(log).singleElement().asString()
                .startsWith("TLS: the changed certificate files are not used, still using mx.example.test (EC, until ")
                .contains(files.key() + ": holds no PEM private key").contains("fix: ");

        // a mismatched key is refused the same way; then the right key is taken
        TestCa.Leaf two = ca.leaf(KeyType.EC, "mx.example.test");
        two.writeChain(files.certificate());
        ca.leaf(KeyType.EC, "mx.example.test").writeKey(files.key(), KeyEncoding.PKCS8);
        Files.setLastModifiedTime(files.key(), FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(files.certificate(), FileTime.from(Instant.now().minusSeconds(60)));
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(one.certificate());
        assertThat(log).hasSize(2);
        assertThat(log.get(1)).contains("this private key does not belong to the certificate in " + files.certificate());
        two.writeKey(files.key(), KeyEncoding.SEC1);
        assertThat(connect(tls, "mx.example.test").certificate()).isEqualTo(two.certificate());
        assertThat(log).hasSize(3);
    }

    @Test
    void filesAreLookedAtOnlyEveryRecheckInterval() throws Exception {
        TestCa.PemPair files = ca.leaf(KeyType.EC, "mx.example.test").write(dir);
        warden.testing.TestClock clock = new warden.testing.TestClock(Instant.now());
        ServerTls tls = ServerTls.load(files.tls(), log::add, clock, Duration.ofSeconds(5));
        TestCa.Leaf two = ca.leaf(KeyType.EC, "mx.example.test");
        two.write(dir);
        assertThat(connect(tls, null).certificate()).isNotEqualTo(two.certificate());
        clock.advance(Duration.ofSeconds(6));
        assertThat(connect(tls, null).certificate()).isEqualTo(two.certificate());
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefusedAtLoad() throws Exception {
        TestCa.PemPair files = ca.leaf(KeyType.EC, "mx.example.test").write(dir);
        ca.leaf(KeyType.EC, "mx.example.test").writeKey(files.key(), KeyEncoding.PKCS8);
        assertThatThrownBy(() -> ServerTls.load(files.tls(), log::add))
                .isInstanceOfSatisfying(CertificateFileException.class, e -> {
                    assertThat(e.file()).isEqualTo(files.key());
                    assertThat(e.problem()).startsWith("this private key does not belong to the certificate in " + files.certificate());
                    assertThat(e.fix()).contains("same certbot lineage");
                });
        // an RSA key for an EC certificate too
        ca.leaf(KeyType.RSA, "mx.example.test").writeKey(files.key(), KeyEncoding.PKCS1);
        assertThatThrownBy(() -> ServerTls.load(files.tls(), log::add)).isInstanceOf(CertificateFileException.class)
                .hasMessageContaining("does not belong");
    }

    @Test
    void anExpiredCertificateIsRefusedAtLoad() throws Exception {
        TestCa.PemPair files = ca.expired(KeyType.RSA, "old.example.test").write(dir);
        assertThatThrownBy(() -> ServerTls.load(files.tls(), log::add))
                .isInstanceOfSatisfying(CertificateFileException.class, e -> {
                    assertThat(e.file()).isEqualTo(files.certificate());
                    assertThat(e.problem()).startsWith("the certificate for [old.example.test] expired on ");
                    assertThat(e.fix()).contains("certbot renew");
                });
    }

    @Test
    void onlyTls12And13WithModernCiphers() throws Exception {
        ServerTls tls = ServerTls.load(ca.leaf(KeyType.RSA, "mx.example.test").write(dir).tls(), log::add);
        assertThat(connect(tls, "mx.example.test", "TLSv1.2").connection().describe())
                .isEqualTo("TLS1.2:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:256");

        // a TLS 1.2 client offering only CBC suites finds nothing in common
        CompletableFuture<TlsConnection> server = serveOne(tls, Duration.ofSeconds(10));
        try (SSLSocket c = client(ca.clientContext(), "mx.example.test", "TLSv1.2")) {
            c.setEnabledCipherSuites(new String[] {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"});
            assertThatThrownBy(c::startHandshake).isInstanceOf(SSLException.class);
        }
        assertThatThrownBy(() -> server.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(SSLException.class).hasMessageStartingWith("TLS handshake failed: ");

        // a client offering only TLS 1.1 (the real openssl, allowed to at security level 0) is refused
        CompletableFuture<TlsConnection> refused = serveOne(tls, Duration.ofSeconds(10));
        Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + listener.getLocalPort(),
                "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-servername", "mx.example.test")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(out).containsIgnoringCase("protocol version");
        assertThat(out).contains("Cipher is (NONE)");
        assertThatThrownBy(() -> refused.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(SSLException.class);
    }

    @Test
    void protocolsFromConfigurationOnly13() throws Exception {
        TestCa.PemPair files = ca.leaf(KeyType.EC, "mx.example.test").write(dir);
        ServerTls tls = ServerTls.load(new WardenConfig.Tls(Optional.of(files.certificate()), Optional.of(files.key()),
                List.of(), List.of("TLSv1.3")), log::add);
        assertThat(tls.protocols()).containsExactly("TLSv1.3");
        CompletableFuture<TlsConnection> server = serveOne(tls, Duration.ofSeconds(10));
        try (SSLSocket c = client(ca.clientContext(), "mx.example.test", "TLSv1.2")) {
            assertThatThrownBy(c::startHandshake).isInstanceOf(SSLException.class);
        }
        assertThatThrownBy(() -> server.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(SSLException.class);
        assertThat(connect(tls, "mx.example.test").connection().protocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void aClientThatSendsNothingTimesOut() throws Exception {
        ServerTls tls = ServerTls.load(ca.leaf(KeyType.EC, "mx.example.test").write(dir).tls(), log::add);
        CompletableFuture<TlsConnection> server = serveOne(tls, Duration.ofMillis(700));
        try (Socket silent = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> server.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("TLS handshake did not finish within 700ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            byte[] rest = silent.getInputStream().readAllBytes(); // closed by the server, at most after an alert record
            assertThat(rest.length == 0 || rest[0] == 0x15).as("alert or nothing").isTrue();
        }
    }

    @Test
    void aClientThatDripsBytesIsCutAtTheDeadline() throws Exception {
        ServerTls tls = ServerTls.load(ca.leaf(KeyType.EC, "mx.example.test").write(dir).tls(), log::add);
        CompletableFuture<TlsConnection> server = serveOne(tls, Duration.ofSeconds(1));
        try (Socket drip = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
            long start = System.nanoTime();
            // a TLS record header announcing a large ClientHello, then a byte every 300 ms
            drip.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01});
            for (int i = 0; i < 20 && !server.isDone(); i++) {
                Thread.sleep(300);
                try {
                    drip.getOutputStream().write(0);
                } catch (IOException closed) {
                    break;
                }
            }
            assertThatThrownBy(() -> server.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
        }
    }

    private static void swapLink(Path link, Path target) throws IOException {
        Path tmp = link.resolveSibling(link.getFileName() + ".new");
        Files.createSymbolicLink(tmp, target);
        Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
