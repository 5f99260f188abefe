package warden.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private, real Postfix (the installed {@code /usr/sbin/postfix}) as the RECEIVING side of an
 * interop test: its own {@code config_directory}, {@code queue_directory} and
 * {@code data_directory} under a test directory, smtpd on {@code 127.0.0.1:<free port>} only, and
 * virtual(8) delivery of one test domain into Maildirs under that directory. The system's
 * {@code /etc/postfix} is read by nobody and the default instance is never started or stopped.
 *
 * <p>What a test can look at: {@link #delivered} (the files in a user's {@code Maildir/new}),
 * {@link #log()} (Postfix's own log, written by postlogd to {@code maillog_file}), and
 * {@link #queueEmpty()}. Every recipient RCPT is logged with an {@code info} line that carries
 * the client's HELO ({@code helo=<...>}), through an access-table {@code INFO} action, because
 * Postfix logs the HELO name only on such lines and on rejects.
 *
 * <p>Opportunistic STARTTLS ({@link Builder#starttls()}) uses the self-signed
 * {@link TestCertificate} (for {@value TestCertificate#HOST}), written as PEM; with {@code smtpd_tls_loglevel = 1} Postfix logs
 * "TLS connection established ... TLSv1.3 with cipher ...".
 *
 * <p>Needs root (Postfix's master runs as root and drops to {@code postfix}; mail is delivered
 * as {@code nobody}) and Postfix &gt;= 3.4 for {@code maillog_file}; {@code .ci/run} installs it.
 * Every wait is bounded; {@link #close()} stops this instance by its own config directory
 * ({@code postfix -c DIR stop}) and then by the PID in its own queue directory, and a shutdown
 * hook does the same if a test forgets.
 *
 * <p>Standards: RFC 5321 (the peer), RFC 3207 (STARTTLS); Postfix's MULTI_INSTANCE_README
 * ("-c config_directory") for a second instance beside the default one.
 *
 * <p>As a SENDING side ({@link Builder#relayhost}), it relays everything not for its own domain
 * through a submission server with SMTP AUTH over mandatory TLS, as a small office's Postfix
 * relays through its provider. Mail is put into it over SMTP ({@link #address()}: loopback is in
 * {@code mynetworks}).
 *
 * <p>Not done: SASL AUTH on the Postfix server side (a smarthost test with AUTH uses the scripted peer).
 */
public final class PostfixInstance implements AutoCloseable {

    /** Bound on any one postfix command and on waiting for the master to go. */
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    private static final int NOBODY = 65534;

    private final Path dir;
    private final Path etc;
    private final Path spool;
    private final Path mail;
    private final Path logFile;
    private final String domain;
    private final int port;
    private final Thread shutdownHook;
    private boolean closed;

    /** Starts the description of an instance that lives under {@code dir} (made world-traversable). */
    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** What the instance accepts and how; {@link #start()} makes it run. */
    public static final class Builder {
        private final Path dir;
        private String domain = "example.test";
        private String hostname = "postfix.example.test";
        private final Set<String> users = new LinkedHashSet<>();
        private boolean starttls;
        private Relayhost relayhost;
        private final Map<String, String> settings = new LinkedHashMap<>();

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** The virtual domain delivered to Maildirs (default {@code example.test}). */
        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        /** Postfix's {@code myhostname}, in its banner and Received: lines (default {@code postfix.example.test}). */
        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        /** A local part of {@link #domain} with a Maildir; any other is refused with 550 5.1.1. */
        public Builder mailbox(String localPart) {
            users.add(localPart);
            return this;
        }

        /** Offers STARTTLS (smtpd_tls_security_level = may) with the {@link TestCertificate}. */
        public Builder starttls() {
            this.starttls = true;
            return this;
        }

        /**
         * Sends every message not for {@link #domain} on to {@code hop} (Postfix's {@code relayhost},
         * e.g. {@code [127.0.0.1]:587}) as a mail client of a submission server: SMTP AUTH
         * ({@code smtp_sasl_auth_enable}, {@code user:password} in a {@code postmap}'d
         * {@code smtp_sasl_password_maps} table, {@code smtp_sasl_security_options = noanonymous})
         * over mandatory TLS ({@code smtp_tls_security_level = encrypt}, {@code smtp_tls_CAfile =
         * caFile}, {@code smtp_tls_loglevel = 1}: "Trusted TLS connection established to ...").
         * Needs the Cyrus SASL client modules ({@code libsasl2-modules}).
         */
        public Builder relayhost(String hop, String user, String password, Path caFile) {
            this.relayhost = new Relayhost(hop, user, password, caFile);
            return this;
        }

        /** Any further main.cf setting (applied last, so it may override the defaults here). */
        public Builder set(String name, String value) {
            settings.put(name, value);
            return this;
        }

        public PostfixInstance start() throws IOException, InterruptedException {
            if (users.isEmpty()) users.add("bob");
            return new PostfixInstance(this);
        }
    }

    private PostfixInstance(Builder b) throws IOException, InterruptedException {
        requireRootAndPostfix();
        this.dir = b.dir.resolve("postfix");
        this.etc = dir.resolve("etc");
        this.spool = dir.resolve("spool");
        this.mail = dir.resolve("mail");
        this.logFile = dir.resolve("postfix.log");
        this.domain = b.domain;
        Path data = dir.resolve("data");
        // Postfix's daemons run as "postfix" and virtual(8) as nobody: they must traverse down to
        // their directories (a JUnit @TempDir is 0700).
        traversable(b.dir);
        Files.createDirectories(etc);
        Files.createDirectories(spool);
        Files.createDirectories(mail);
        Files.createDirectories(data);
        traversable(dir);
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(data, users.lookupPrincipalByName("postfix"));
        Files.setOwner(mail, users.lookupPrincipalByName("nobody"));
        Files.writeString(logFile, "");

        StringBuilder vmailbox = new StringBuilder();
        for (String u : b.users) vmailbox.append(u).append('@').append(domain).append(' ').append(domain).append('/').append(u).append("/\n");
        Files.writeString(etc.resolve("vmailbox"), vmailbox.toString()); // trailing "/" = Maildir
        Files.writeString(etc.resolve("client_access"), "127.0.0.1 INFO helo logged for the test\n");
        Files.copy(Path.of("/usr/share/postfix/master.cf.dist"), etc.resolve("master.cf"));
        Files.writeString(etc.resolve("main.cf"), "# written by warden.testing.PostfixInstance\n");

        Map<String, String> main = new LinkedHashMap<>();
        main.put("compatibility_level", "3.6");
        main.put("queue_directory", spool.toString());
        main.put("data_directory", data.toString());
        main.put("myhostname", b.hostname);
        main.put("mydomain", domain);
        main.put("myorigin", "$myhostname");
        main.put("mydestination", "");
        main.put("alias_maps", "");
        main.put("alias_database", "");
        main.put("inet_interfaces", "loopback-only");
        main.put("inet_protocols", "ipv4");
        main.put("mynetworks", "127.0.0.0/8");
        main.put("smtpd_recipient_restrictions",
                "check_client_access texthash:" + etc.resolve("client_access") + ", permit_mynetworks, reject_unauth_destination");
        main.put("maillog_file", logFile.toString());
        main.put("maillog_file_prefixes", dir.toString());
        main.put("virtual_mailbox_domains", domain);
        main.put("virtual_mailbox_base", mail.toString());
        main.put("virtual_mailbox_maps", "texthash:" + etc.resolve("vmailbox"));
        main.put("virtual_uid_maps", "static:" + NOBODY);
        main.put("virtual_gid_maps", "static:" + NOBODY);
        // Nothing leaves this instance: no DNS, no relaying, bounces to nowhere.
        main.put("default_transport", "error:this test instance delivers nowhere");
        main.put("relay_transport", "error:this test instance delivers nowhere");
        main.put("disable_dns_lookups", "yes");
        main.put("smtp_dns_support_level", "disabled");
        if (b.starttls) {
            Path key = etc.resolve("key.pem");
            Path cert = etc.resolve("cert.pem");
            TestCertificate.get().writePem(cert, key);
            main.put("smtpd_tls_security_level", "may");
            main.put("smtpd_tls_cert_file", cert.toString());
            main.put("smtpd_tls_key_file", key.toString());
            main.put("smtpd_tls_loglevel", "1");
            main.put("smtpd_tls_received_header", "yes");
        }
        if (b.relayhost != null) {
            Relayhost r = b.relayhost;
            Path saslPasswd = etc.resolve("sasl_passwd");
            Files.writeString(saslPasswd, r.hop() + " " + r.user() + ":" + r.password() + "\n");
            Files.setPosixFilePermissions(saslPasswd, PosixFilePermissions.fromString("rw-------"));
            run(List.of("postmap", "hash:" + saslPasswd));
            main.put("relayhost", r.hop());
            main.put("default_transport", "smtp");
            main.put("relay_transport", "relay");
            main.put("smtp_sasl_auth_enable", "yes");
            main.put("smtp_sasl_password_maps", "hash:" + saslPasswd);
            main.put("smtp_sasl_security_options", "noanonymous");
            main.put("smtp_tls_security_level", "encrypt");
            main.put("smtp_tls_CAfile", r.caFile().toString());
            main.put("smtp_tls_loglevel", "1");
        }
        main.putAll(b.settings);
        List<String> postconf = new ArrayList<>(List.of("postconf", "-c", etc.toString(), "-e"));
        main.forEach((k, v) -> postconf.add(k + " = " + v));
        run(postconf);
        run(List.of("postconf", "-c", etc.toString(), "-M#", "smtp/inet")); // never port 25
        if (b.relayhost != null) {
            // No chroot for the client: the jail (our queue directory) has no copy of the SASL
            // modules, resolv.conf or the CA file; Postfix's default is chroot off anyway.
            run(List.of("postconf", "-c", etc.toString(), "-F", "smtp/unix/chroot=n", "relay/unix/chroot=n"));
        }

        // The port is free when probed; another process may take it before the master binds: retry.
        int bound = -1;
        int tried = -1;
        String lastFailure = "";
        for (int attempt = 0; attempt < 3 && bound < 0; attempt++) {
            if (attempt > 0) run(List.of("postconf", "-c", etc.toString(), "-MX", "127.0.0.1:" + tried + "/inet"));
            int candidate = LoopbackPorts.free();
            tried = candidate;
            run(List.of("postconf", "-c", etc.toString(), "-Me",
                    "127.0.0.1:" + candidate + "/inet=127.0.0.1:" + candidate + " inet n - n - - smtpd"));
            Result r = command(List.of("postfix", "-c", etc.toString(), "start"));
            if (r.status == 0) {
                bound = candidate;
            } else {
                lastFailure = r.output + log();
                stopQuietly(); // a half-started master, if any
            }
        }
        if (bound < 0) throw new IOException("postfix did not start in " + dir + ":\n" + lastFailure);
        this.port = bound;
        this.shutdownHook = new Thread(this::stopQuietly, "postfix-instance-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        awaitListening();
    }

    /** The smtpd listener, 127.0.0.1:port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public int port() {
        return port;
    }

    /** The next hop a Warden route names, {@code [127.0.0.1]:port}. */
    public String nextHop() {
        return "[127.0.0.1]:" + port;
    }

    public String domain() {
        return domain;
    }

    /** The user's Maildir (virtual(8) makes it at the first delivery). */
    public Path maildir(String localPart) {
        return mail.resolve(domain).resolve(localPart);
    }

    /** The messages delivered to {@code localPart} so far (files in its {@code Maildir/new}). */
    public List<Path> delivered(String localPart) throws IOException {
        Path newDir = maildir(localPart).resolve("new");
        if (!Files.isDirectory(newDir)) return List.of();
        try (Stream<Path> s = Files.list(newDir)) {
            return s.sorted().toList();
        }
    }

    /** Waits until {@code localPart} has at least {@code count} messages; fails after {@code within}. */
    public List<Path> awaitDelivered(String localPart, int count, Duration within) throws IOException, InterruptedException {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            List<Path> got = delivered(localPart);
            if (got.size() >= count) return got;
            if (System.nanoTime() > end) {
                throw new AssertionError(localPart + "@" + domain + " has " + got.size() + " of " + count
                        + " messages after " + within.toSeconds() + "s; Postfix's log:\n" + log());
            }
            Thread.sleep(20);
        }
    }

    /** Postfix's log so far ({@code maillog_file}); peer text, read as Latin-1 so no byte is lost. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError("cannot read " + logFile, e);
        }
    }

    /** The log once it has every fragment (postlogd writes asynchronously); fails after {@link LogWait#DEADLINE}. */
    public String awaitLog(String... fragments) {
        return LogWait.until(this::log, fragments);
    }

    /** The first log line with every fragment, once there is one. */
    public String awaitLine(String... fragments) {
        return LogWait.line(this::log, fragments);
    }

    public Path logFile() {
        return logFile;
    }

    /** True when no message waits in this instance's queue (incoming, active, deferred, hold, maildrop). */
    public boolean queueEmpty() throws IOException {
        for (String q : List.of("maildrop", "incoming", "active", "deferred", "hold")) {
            Path d = spool.resolve(q);
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.walk(d)) {
                if (s.anyMatch(Files::isRegularFile)) return false;
            }
        }
        return true;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it stops the same instance
        }
        stopQuietly();
    }

    /** {@code postfix -c etc stop}; then the master (by its PID file in our spool) and its children, by force. */
    private void stopQuietly() {
        Optional<ProcessHandle> master = masterPid().flatMap(ProcessHandle::of);
        List<ProcessHandle> children = master.map(m -> m.children().toList()).orElse(List.of());
        try {
            command(List.of("postfix", "-c", etc.toString(), "stop"));
        } catch (IOException | InterruptedException e) {
            // fall through to the PID
        }
        if (master.isEmpty()) return;
        try {
            master.get().onExit().get(20, TimeUnit.SECONDS);
        } catch (Exception notYet) {
            master.get().destroyForcibly();
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                try {
                    child.onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception notYet) {
                    child.destroyForcibly();
                }
            }
        }
    }

    private Optional<Long> masterPid() {
        try {
            return Optional.of(Long.parseLong(Files.readString(spool.resolve("pid/master.pid")).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void awaitListening() throws IOException, InterruptedException {
        long end = System.nanoTime() + COMMAND_TIMEOUT.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(address(), 1000);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > end) {
                    close();
                    throw new IOException("postfix does not listen on " + address() + ":\n" + log(), notYet);
                }
                Thread.sleep(50);
            }
        }
    }

    private static void traversable(Path d) throws IOException {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void requireRootAndPostfix() throws IOException, InterruptedException {
        Result id = command(List.of("id", "-u"));
        if (!id.output.trim().equals("0")) {
            throw new AssertionError("PostfixInstance needs root (Postfix's master runs as root); this is uid " + id.output.trim());
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/postfix")) || !Files.exists(Path.of("/usr/share/postfix/master.cf.dist"))) {
            throw new AssertionError("Postfix is not installed: run .ci/run, or apt-get install postfix "
                    + "(debconf postfix/main_mailer_type 'No configuration')");
        }
    }

    private record Relayhost(String hop, String user, String password, Path caFile) {}

    private record Result(int status, String output) {}

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Result r = command(cmd);
        if (r.status != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.status + ":\n" + r.output);
    }

    private static Result command(List<String> cmd) throws IOException, InterruptedException {
        // Output to a file, not a pipe: "postfix start" leaves a daemon that may hold the pipe open.
        Path out = Files.createTempFile("postfix-instance", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + COMMAND_TIMEOUT.toSeconds() + "s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
