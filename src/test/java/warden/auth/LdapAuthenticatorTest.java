package warden.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.auth.Authenticator.Result;
import warden.config.WardenConfig;
import warden.testing.LoopbackPorts;
import warden.testing.SlapdInstance;
import warden.testing.TestCertificate;
import warden.testing.TestClock;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static warden.testing.SlapdInstance.ALICE_PASSWORD;
import static warden.testing.SlapdInstance.BOB_PASSWORD;
import static warden.testing.SlapdInstance.DAVE_PASSWORD;
import static warden.testing.SlapdInstance.MAIL_FILTER;
import static warden.testing.SlapdInstance.PEOPLE;
import static warden.testing.SlapdInstance.SERVICE_DN;
import static warden.testing.SlapdInstance.SERVICE_PASSWORD;
import static warden.testing.SlapdInstance.SUFFIX;

/**
 * {@link LdapAuthenticator} against a real OpenLDAP slapd ({@link SlapdInstance}) on a loopback
 * port: seed 004's directory, where anonymous clients may not search, a service account may, and
 * only users with the posixAccount object class may send mail. "Could not tell" cases (directory
 * down, silent, wrong service password) must be {@link Result.Unavailable} (454), never
 * {@link Result.Rejected} (535).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LdapAuthenticatorTest {

    private static final Duration TIMEOUT = Duration.ofMillis(800);

    @TempDir
    static Path dir;

    static SlapdInstance slapd;
    static Path servicePassword;

    @BeforeAll
    static void startDirectory() throws Exception {
        slapd = SlapdInstance.in(dir).ldaps().start();
        servicePassword = dir.resolve("bind.secret");
        Files.writeString(servicePassword, SERVICE_PASSWORD + "\n");
    }

    @AfterAll
    static void stopDirectory() {
        if (slapd != null) slapd.close();
    }

    private static WardenConfig.Ldap config(String url, String filter) {
        return new WardenConfig.Ldap(url, Optional.of(SERVICE_DN), Optional.of(servicePassword), SUFFIX, filter, TIMEOUT);
    }

    private static LdapAuthenticator seedDirectory() {
        return new LdapAuthenticator(config(slapd.url(), MAIL_FILTER), Clock.systemUTC());
    }

    @Test
    void goodPasswordIsAccepted() {
        try (var ldap = seedDirectory()) {
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isEqualTo(new Result.Accepted("alice"));
        }
    }

    @Test
    void badPasswordIsRejectedWithTheDnAndResultCode() {
        try (var ldap = seedDirectory()) {
            Result r = ldap.authenticate("alice", "not alice's password");
            assertThat(r).isInstanceOf(Result.Rejected.class);
            assertThat(((Result.Rejected) r).why()).contains("uid=alice," + PEOPLE).contains("invalidCredentials (49)")
                    .doesNotContain("not alice's password");
        }
    }

    @Test
    void aUserOutsideTheRequiredObjectClassIsRejectedThoughHerPasswordIsRight() {
        try (var ldap = seedDirectory()) {
            Result r = ldap.authenticate("bob", BOB_PASSWORD);
            assertThat(r).isInstanceOf(Result.Rejected.class);
            assertThat(((Result.Rejected) r).why()).contains("no such user or not allowed by the filter");
        }
        // The password is right: without the object class in the filter, bob gets in.
        try (var anyone = new LdapAuthenticator(config(slapd.url(), "(uid={user})"), Clock.systemUTC())) {
            assertThat(anyone.authenticate("bob", BOB_PASSWORD)).isEqualTo(new Result.Accepted("bob"));
        }
    }

    @Test
    void anUnknownUserIsRejected() {
        try (var ldap = seedDirectory()) {
            Result r = ldap.authenticate("mallory", "whatever");
            assertThat(r).isInstanceOf(Result.Rejected.class);
            assertThat(((Result.Rejected) r).why()).contains("no such user or not allowed by the filter");
        }
    }

    @Test
    void anEmptyPasswordIsRejectedWithoutAsking() throws IOException {
        try (var ldap = seedDirectory()) {
            assertThat(ldap.authenticate("alice", "")).isInstanceOf(Result.Rejected.class);
        }
        // Nothing is sent: against a port where nothing listens the answer is still "no", not "could not tell".
        try (var nowhere = new LdapAuthenticator(config("ldap://127.0.0.1:" + LoopbackPorts.free(), MAIL_FILTER), Clock.systemUTC())) {
            assertThat(nowhere.authenticate("alice", "")).isInstanceOf(Result.Rejected.class);
        }
    }

    @Test
    void filterInjectionFindsNobody() {
        try (var ldap = seedDirectory()) {
            for (String name : List.of("*)(uid=*", "*", "al*", "alice)(|(uid=*", "alice\u0000")) {
                Result r = ldap.authenticate(name, ALICE_PASSWORD);
                assertThat(r).as(name).isInstanceOf(Result.Rejected.class);
                // Escaped, each is one (odd) name that no entry has: not "more than one entry", not a bind as alice.
                assertThat(((Result.Rejected) r).why()).as(name).contains("no such user or not allowed by the filter");
            }
        }
    }

    @Test
    void twoEntriesForOneNameAreRejected() {
        try (var ldap = seedDirectory()) {
            Result r = ldap.authenticate("dave", DAVE_PASSWORD);
            assertThat(r).isInstanceOf(Result.Rejected.class);
            assertThat(((Result.Rejected) r).why()).contains("more than one entry").contains("uid=dave,ou=people").contains("uid=dave,ou=staff");
        }
    }

    @Test
    void aStoppedDirectoryIsUnavailable(@TempDir Path own) throws Exception {
        try (SlapdInstance doomed = SlapdInstance.in(own).start();
             var ldap = new LdapAuthenticator(config(doomed.url(), MAIL_FILTER), Clock.systemUTC())) {
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isEqualTo(new Result.Accepted("alice"));
            doomed.stop();
            // The pooled connections are now dead: the next attempts must say "could not tell", never "no".
            for (int i = 0; i < 3; i++) {
                assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).as("attempt " + i).isInstanceOf(Result.Unavailable.class);
                assertThat(ldap.authenticate("alice", "wrong")).as("attempt " + i).isInstanceOf(Result.Unavailable.class);
            }
        }
    }

    @Test
    void aPortWhereNothingListensIsUnavailable() throws IOException {
        try (var ldap = new LdapAuthenticator(config("ldap://127.0.0.1:" + LoopbackPorts.free(), MAIL_FILTER), Clock.systemUTC())) {
            Result r = ldap.authenticate("alice", ALICE_PASSWORD);
            assertThat(r).isInstanceOf(Result.Unavailable.class);
            assertThat(((Result.Unavailable) r).why()).contains("connect");
        }
    }

    @Test
    void aDirectoryThatNeverAnswersIsUnavailableWithinTheTimeout() throws Exception {
        try (SilentServer silent = new SilentServer()) {
            for (String scheme : List.of("ldap", "ldaps")) {
                try (var ldap = new LdapAuthenticator(config(scheme + "://127.0.0.1:" + silent.port(), MAIL_FILTER), Clock.systemUTC())) {
                    long start = System.nanoTime();
                    Result r = ldap.authenticate("alice", ALICE_PASSWORD);
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertThat(r).as(scheme).isInstanceOf(Result.Unavailable.class);
                    assertThat(took).as(scheme).isLessThan(TIMEOUT.multipliedBy(4));
                }
            }
            assertThat(silent.accepted).isNotEmpty();
        }
    }

    @Test
    void aWrongServiceAccountPasswordIsUnavailableNotTheUsersFault() throws IOException {
        Path wrong = dir.resolve("wrong.secret");
        Files.writeString(wrong, "not the service password\n");
        var cfg = new WardenConfig.Ldap(slapd.url(), Optional.of(SERVICE_DN), Optional.of(wrong), SUFFIX, MAIL_FILTER, TIMEOUT);
        try (var ldap = new LdapAuthenticator(cfg, Clock.systemUTC())) {
            Result r = ldap.authenticate("alice", ALICE_PASSWORD);
            assertThat(r).isInstanceOf(Result.Unavailable.class);
            assertThat(((Result.Unavailable) r).why()).contains(SERVICE_DN).contains("invalidCredentials (49)")
                    .contains("bind_password_file").doesNotContain("not the service password");
        }
    }

    @Test
    void theServicePasswordFileIsReadAgainWhenItChanges() throws IOException {
        Path secret = dir.resolve("rotated.secret");
        TestClock clock = new TestClock();
        var cfg = new WardenConfig.Ldap(slapd.url(), Optional.of(SERVICE_DN), Optional.of(secret), SUFFIX, MAIL_FILTER, TIMEOUT);
        try (var ldap = new LdapAuthenticator(cfg, clock)) {
            Result missing = ldap.authenticate("alice", ALICE_PASSWORD);
            assertThat(missing).isInstanceOf(Result.Unavailable.class);
            assertThat(((Result.Unavailable) missing).why()).contains(secret.toString());

            Files.writeString(secret, SERVICE_PASSWORD + "\r\nsecond line is ignored\n");
            clock.advance(Duration.ofSeconds(2));
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isEqualTo(new Result.Accepted("alice"));

            Files.writeString(secret, "an old password\n");
            clock.advance(Duration.ofSeconds(2));
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isInstanceOf(Result.Unavailable.class);

            Files.writeString(secret, SERVICE_PASSWORD + "\n");
            clock.advance(Duration.ofSeconds(2));
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isEqualTo(new Result.Accepted("alice"));
        }
    }

    @Test
    void withoutBindDnTheSearchIsAnonymous(@TempDir Path own) throws Exception {
        var anonymous = new WardenConfig.Ldap(slapd.url(), Optional.empty(), Optional.empty(), SUFFIX, MAIL_FILTER, TIMEOUT);
        // Seed 004's directory allows no anonymous search: slapd says insufficientAccessRights, a
        // configuration problem (a service account is needed), so "could not tell", not "no".
        try (var ldap = new LdapAuthenticator(anonymous, Clock.systemUTC())) {
            Result r = ldap.authenticate("alice", ALICE_PASSWORD);
            assertThat(r).isInstanceOf(Result.Unavailable.class);
            assertThat(((Result.Unavailable) r).why()).contains("insufficientAccessRights (50)");
        }
        try (SlapdInstance open = SlapdInstance.in(own).anonymousSearch().start();
             var ldap = new LdapAuthenticator(new WardenConfig.Ldap(open.url(), Optional.empty(), Optional.empty(), SUFFIX,
                     MAIL_FILTER, TIMEOUT), Clock.systemUTC())) {
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isEqualTo(new Result.Accepted("alice"));
            assertThat(ldap.authenticate("alice", "wrong")).isInstanceOf(Result.Rejected.class);
            assertThat(ldap.authenticate("bob", BOB_PASSWORD)).isInstanceOf(Result.Rejected.class);
        }
    }

    @Test
    void ldapsChecksTheDirectorysCertificate() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("test", TestCertificate.get().certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        TrustManager trust = tmf.getTrustManagers()[0];
        try (var ldap = new LdapAuthenticator(config(slapd.ldapsUrl(), MAIL_FILTER), Clock.systemUTC(), trust)) {
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isEqualTo(new Result.Accepted("alice"));
            assertThat(ldap.authenticate("alice", "wrong")).isInstanceOf(Result.Rejected.class);
        }
        // The JDK's trust store does not know the test certificate: could not tell, never "no".
        try (var ldap = new LdapAuthenticator(config(slapd.ldapsUrl(), MAIL_FILTER), Clock.systemUTC())) {
            assertThat(ldap.authenticate("alice", ALICE_PASSWORD)).isInstanceOf(Result.Unavailable.class);
        }
    }

    @Test
    void manyLoginsAtOnceShareTheConnections() throws Exception {
        try (var ldap = seedDirectory(); ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Result>> results = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                boolean good = i % 3 != 0;
                results.add(pool.submit(() -> ldap.authenticate("alice", good ? ALICE_PASSWORD : "wrong")));
            }
            for (int i = 0; i < results.size(); i++) {
                Result r = results.get(i).get();
                if (i % 3 != 0) assertThat(r).as("login " + i).isEqualTo(new Result.Accepted("alice"));
                else assertThat(r).as("login " + i).isInstanceOf(Result.Rejected.class);
            }
        }
    }

    @Test
    void describeNamesTheDirectoryButNoPassword() {
        try (var ldap = seedDirectory()) {
            assertThat(ldap.describe()).contains(slapd.url()).contains(SERVICE_DN).doesNotContain(SERVICE_PASSWORD);
        }
    }

    /** Accepts connections, reads what comes, and never says a word (an LDAP server hung mid-way). */
    static final class SilentServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor = Thread.ofVirtual().start(this::accept);

        SilentServer() throws IOException {}

        int port() {
            return socket.getLocalPort();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    accepted.add(s);
                    Thread.ofVirtual().start(() -> {
                        try (InputStream in = s.getInputStream()) {
                            while (in.read(new byte[512]) >= 0) {
                                // swallow it
                            }
                        } catch (IOException closed) {
                            // the test is over
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) s.close();
            try {
                acceptor.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
