package warden.tls;

import warden.config.WardenConfig;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The TLS server of the SMTP listeners, from {@code tls.*}: the certificates and keys in the PEM
 * files certbot writes ({@link PemFiles}), chosen by SNI ({@link SniKeyManager}), TLS 1.2 and 1.3
 * only ({@code tls.protocols}) with a modern cipher list, and read again when the files change.
 *
 * <p>One {@link SSLContext} is built per load, so a handshake costs no file access and the
 * session cache (resumption) is shared by all connections. At most every {@code recheck} (5
 * seconds by default) a handshake looks at the files' stamps (the file they resolve to through
 * certbot's {@code live/} links, its modification time and size); when one changed, the files are
 * read again. A new set that cannot be used (not PEM, a key that is not the certificate's, an
 * expired certificate) is not taken: the certificates in use stay, and one line says which file is
 * wrong and the fix. As certbot replaces its four links one after the other, a failure on files
 * changed in the last two seconds is not reported yet but tried again at the next check (the key
 * link may simply not have been swapped yet).
 *
 * <h2>Standards</h2>
 * RFC 3207 (STARTTLS), RFC 8314 (implicit TLS on 465), RFC 8446 (TLS 1.3), RFC 5246 (TLS 1.2),
 * RFC 7525/9325 (recommendations for TLS: no TLS 1.1 or older, only AEAD ciphers with forward
 * secrecy), RFC 6066 section 3 (SNI).
 *
 * <p>Not done: client certificates, OCSP stapling, DANE (the DNS side of TLSA is the operator's).
 */
public final class ServerTls implements TlsServer {

    /** TLS 1.3 suites, then TLS 1.2 ones with ECDHE and AES-GCM or ChaCha20-Poly1305 only (RFC 9325 section 4.2). */
    public static final List<String> CIPHER_SUITES = List.of(
            "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** How often a handshake may look whether the files changed, by default. */
    public static final Duration RECHECK = Duration.ofSeconds(5);

    /** How long after a change a failing file set is taken as half-replaced rather than wrong. */
    static final Duration SETTLE = Duration.ofSeconds(2);

    /** Closes sockets whose handshake outlives its time (a client that sends one byte a second). */
    private static final ScheduledThreadPoolExecutor DEADLINES = deadlines();

    private final WardenConfig.Tls config;
    private final Consumer<String> log;
    private final Clock clock;
    private final Duration recheck;
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile Loaded current;
    /** The stamps of a file set that failed and was reported, so that it is reported once. */
    private volatile List<Stamp> reportedFailure = List.of();
    private volatile Instant lastCheck;

    private ServerTls(WardenConfig.Tls config, Consumer<String> log, Clock clock, Duration recheck, Loaded first) {
        this.config = config;
        this.log = log;
        this.clock = clock;
        this.recheck = recheck;
        this.current = first;
        this.lastCheck = clock.instant();
    }

    /**
     * Reads every certificate pair of {@code tls} (the default pair first) and builds the TLS
     * server; re-reads them when they change, at most every {@link #RECHECK}.
     *
     * @param log where a reload and a refused new file are told (one line each), e.g. the main log
     * @throws CertificateFileException for the first file that cannot be used, with the fix
     * @throws IllegalArgumentException if {@code tls} has no certificate
     */
    public static ServerTls load(WardenConfig.Tls tls, Consumer<String> log) throws CertificateFileException {
        return load(tls, log, Clock.systemUTC(), RECHECK);
    }

    /** As {@link #load(WardenConfig.Tls, Consumer)}, with the clock and the interval between looks at the files. */
    public static ServerTls load(WardenConfig.Tls tls, Consumer<String> log, Clock clock, Duration recheck)
            throws CertificateFileException {
        if (!tls.configured()) throw new IllegalArgumentException("no certificate: set tls.certificate and tls.key");
        List<Stamp> stamps = stamps(tls);
        return new ServerTls(tls, log, clock, recheck, build(tls, read(tls, clock.instant()), stamps));
    }

    /**
     * Every problem of {@code tls}'s files at {@code now}, one per pair at most: what {@code config
     * check} reports and {@code serve} refuses to start on.
     */
    public static List<CertificateFileException> problems(WardenConfig.Tls tls, Instant now) {
        List<CertificateFileException> out = new ArrayList<>();
        for (WardenConfig.CertificatePair pair : tls.pairs()) problem(pair, now).ifPresent(out::add);
        return out;
    }

    /** What is wrong with {@code pair}'s files at {@code now}, if anything. */
    public static java.util.Optional<CertificateFileException> problem(WardenConfig.CertificatePair pair, Instant now) {
        try {
            ServerCertificate.read(pair).requireValidAt(now);
            return java.util.Optional.empty();
        } catch (CertificateFileException e) {
            return java.util.Optional.of(e);
        }
    }

    /** The certificates in use, the default first. */
    public List<ServerCertificate> certificates() {
        return current.certificates;
    }

    /** The protocols offered ({@code tls.protocols}). */
    public List<String> protocols() {
        return Arrays.asList(current.parameters.getProtocols());
    }

    @Override
    public TlsConnection handshake(Socket plain, Duration timeout) throws IOException {
        Loaded material = maybeReload();
        int before = plain.getSoTimeout();
        long millis = Math.max(1, timeout.toMillis());
        java.util.concurrent.atomic.AtomicBoolean fired = new java.util.concurrent.atomic.AtomicBoolean();
        ScheduledFuture<?> deadline = DEADLINES.schedule(() -> {
            fired.set(true);
            closeQuietly(plain);
        }, millis, TimeUnit.MILLISECONDS);
        SSLSocket tls = null;
        try {
            plain.setSoTimeout((int) Math.min(Integer.MAX_VALUE, millis));
            // server mode, over a socket from which the caller has buffered nothing (RFC 3207 section 4.2:
            // whatever the client sent before the handshake is discarded by the caller, never read here)
            tls = (SSLSocket) material.factory.createSocket(plain, null, true);
            tls.setSSLParameters(material.parameters);
            tls.startHandshake();
            deadline.cancel(false);
            if (fired.get()) throw new SocketTimeoutException("closed at the deadline");
            tls.setSoTimeout(before);
            var session = tls.getSession();
            String cipher = session.getCipherSuite();
            return new TlsConnection(tls, session.getProtocol(), cipher, bits(cipher),
                    SniKeyManager.requestedName(session));
        } catch (IOException | RuntimeException e) {
            deadline.cancel(false);
            closeQuietly(tls != null ? tls : plain);
            closeQuietly(plain);
            if (fired.get() || e instanceof SocketTimeoutException) {
                throw new SocketTimeoutException("TLS handshake did not finish within "
                        + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms"));
            }
            throw new SSLException("TLS handshake failed: " + reason(e), e);
        }
    }

    /** The key size of {@code cipher}'s bulk cipher in bits, as Exim logs it. */
    static int bits(String cipher) {
        if (cipher.contains("AES_256") || cipher.contains("CHACHA20")) return 256;
        if (cipher.contains("AES_128")) return 128;
        return 0;
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        if (m == null) m = e.getClass().getSimpleName();
        return m.replaceAll("[\\p{Cntrl}]", " ");
    }

    /** The material to use: the current one, read again first when the files changed. */
    private Loaded maybeReload() {
        Instant now = clock.instant();
        if (now.isBefore(lastCheck.plus(recheck)) || !reloading.tryLock()) return current;
        try {
            lastCheck = now;
            List<Stamp> stamps = stamps(config);
            if (stamps.equals(current.stamps) || stamps.equals(reportedFailure)) return current;
            try {
                Loaded next = build(config, read(config, now), stamps);
                current = next;
                reportedFailure = List.of();
                log.accept("TLS: certificate files changed, now using " + describe(next.certificates));
            } catch (CertificateFileException e) {
                List<Stamp> before = current.stamps;
                boolean settling = stamps.stream().filter(s -> !before.contains(s))
                        .anyMatch(s -> s.changed().isAfter(now.minus(SETTLE)));
                if (!settling) {
                    reportedFailure = stamps;
                    log.accept("TLS: the changed certificate files are not used, still using " + describe(current.certificates)
                            + ": " + e.getMessage());
                }
            }
            return current;
        } finally {
            reloading.unlock();
        }
    }

    private static String describe(List<ServerCertificate> certificates) {
        List<String> parts = new ArrayList<>();
        for (ServerCertificate c : certificates) {
            parts.add(String.join(",", c.names()) + " (" + c.keyType() + ", until " + c.notAfter() + ")");
        }
        return String.join("; ", parts);
    }

    private static List<ServerCertificate> read(WardenConfig.Tls tls, Instant now) throws CertificateFileException {
        List<ServerCertificate> out = new ArrayList<>();
        for (WardenConfig.CertificatePair pair : tls.pairs()) out.add(ServerCertificate.read(pair).requireValidAt(now));
        return out;
    }

    private static Loaded build(WardenConfig.Tls tls, List<ServerCertificate> certificates, List<Stamp> stamps) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {new SniKeyManager(certificates)}, null, null);
            SSLParameters parameters = context.getDefaultSSLParameters();
            Set<String> supported = Set.of(context.getSupportedSSLParameters().getCipherSuites());
            parameters.setProtocols(tls.protocols().toArray(String[]::new));
            parameters.setCipherSuites(CIPHER_SUITES.stream().filter(supported::contains).toArray(String[]::new));
            parameters.setUseCipherSuitesOrder(true);
            parameters.setNeedClientAuth(false);
            parameters.setWantClientAuth(false);
            return new Loaded(List.copyOf(certificates), context.getSocketFactory(), parameters, stamps);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no TLS: " + e.getMessage(), e);
        }
    }

    /** What the files of {@code tls} are now: where their links lead, when they changed, their size. */
    private static List<Stamp> stamps(WardenConfig.Tls tls) {
        Set<Path> files = new LinkedHashSet<>();
        for (WardenConfig.CertificatePair p : tls.pairs()) {
            files.add(p.certificate());
            files.add(p.key());
        }
        List<Stamp> out = new ArrayList<>();
        for (Path f : files) out.add(Stamp.of(f));
        return List.copyOf(out);
    }

    /**
     * One file's identity: the file its links resolve to (certbot's {@code archive/NAME/privkeyN.pem}),
     * its inode, modification time and size; the newest change of it or its link, for the settling time.
     */
    record Stamp(Path file, String target, Object fileKey, Instant modified, long size, Instant changed) {
        static Stamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                BasicFileAttributes link = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                Instant modified = a.lastModifiedTime().toInstant();
                Instant linked = link.lastModifiedTime().toInstant();
                return new Stamp(file, file.toRealPath().toString(), a.fileKey(), modified, a.size(),
                        modified.isAfter(linked) ? modified : linked);
            } catch (IOException e) {
                return new Stamp(file, "", null, Instant.EPOCH, -1, Instant.EPOCH);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Stamp s && s.file.equals(file) && s.target.equals(target) && Objects.equals(s.fileKey, fileKey)
                    && s.modified.equals(modified) && s.size == size;
        }

        @Override
        public int hashCode() {
            return Objects.hash(file, target, fileKey, modified, size);
        }
    }

    private record Loaded(List<ServerCertificate> certificates, SSLSocketFactory factory, SSLParameters parameters,
                          List<Stamp> stamps) {}

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing after a failed handshake: nothing more to do
        }
    }

    private static ScheduledThreadPoolExecutor deadlines() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, Executors.defaultThreadFactory());
        e.setRemoveOnCancelPolicy(true);
        e.setThreadFactory(r -> {
            Thread t = new Thread(r, "tls-handshake-deadlines");
            t.setDaemon(true);
            return t;
        });
        return e;
    }

}
