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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private, real OpenLDAP {@code slapd} (the installed {@code /usr/sbin/slapd}) with a small
 * directory like seed 004's: no anonymous search, a service account that may read, and users
 * of whom only some may send mail. Its configuration ({@code slapd.conf}, read with {@code -f}),
 * its mdb database (filled with {@code slapadd} before it starts) and its log live under a test
 * directory; it listens on {@code ldap://127.0.0.1:<free port>/} only (and, with
 * {@link Builder#ldaps()}, {@code ldaps://} with the self-signed {@link TestCertificate}). The
 * system's {@code /etc/ldap/slapd.d} is read by nobody.
 *
 * <p>The directory under {@value #SUFFIX}:
 * <pre>
 * cn=warden,ou=services   the service account ({@value #SERVICE_PASSWORD}); reads everything but passwords
 * uid=alice,ou=people     inetOrgPerson + posixAccount: a mail user ({@value #ALICE_PASSWORD})
 * uid=bob,ou=people       inetOrgPerson only: in the directory, not allowed to send ({@value #BOB_PASSWORD})
 * uid=dave,ou=people      posixAccount, and a second uid=dave under ou=staff (one name, two entries)
 * </pre>
 * Passwords are stored as {@code {SSHA}} made by {@code slappasswd}. Anonymous clients may bind
 * (auth access) but search nothing, unless {@link Builder#anonymousSearch()}.
 *
 * <p>Runs as a child process ({@code slapd -d 0}, in the foreground), stopped by its PID in
 * {@link #stop()}/{@link #close()} (SIGTERM, then SIGKILL after 10 s), and by a shutdown hook if a
 * test forgets. Every wait is bounded.
 *
 * <p>Standards: RFC 4511 (the server), RFC 2307 (posixAccount), RFC 2798 (inetOrgPerson),
 * RFC 3112 / OpenLDAP's {@code {SSHA}} password scheme; slapd.conf(5), slapd.access(5).
 */
public final class SlapdInstance implements AutoCloseable {

    public static final String SUFFIX = "dc=warden,dc=test";
    public static final String PEOPLE = "ou=people," + SUFFIX;
    public static final String SERVICE_DN = "cn=warden,ou=services," + SUFFIX;
    public static final String SERVICE_PASSWORD = "service secret";
    public static final String ALICE_PASSWORD = "alice's password";
    public static final String BOB_PASSWORD = "bob's password";
    public static final String DAVE_PASSWORD = "dave's password";
    /** Only users with this object class may send mail. */
    public static final String MAIL_FILTER = "(&(objectClass=posixAccount)(uid={user}))";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final Path logFile;
    private final int port;
    private final int ldapsPort;
    private final Process process;
    private final Thread shutdownHook;

    /** Starts the description of an instance that lives under {@code dir}. */
    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** What the instance offers; {@link #start()} makes it run. */
    public static final class Builder {
        private final Path dir;
        private boolean anonymousSearch;
        private boolean ldaps;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** Anonymous clients may search and read (passwords excepted). */
        public Builder anonymousSearch() {
            this.anonymousSearch = true;
            return this;
        }

        /** Also listens on {@code ldaps://127.0.0.1:<another port>/} with the {@link TestCertificate}. */
        public Builder ldaps() {
            this.ldaps = true;
            return this;
        }

        public SlapdInstance start() throws IOException, InterruptedException {
            return new SlapdInstance(this);
        }
    }

    private SlapdInstance(Builder b) throws IOException, InterruptedException {
        requireRootAndSlapd();
        this.dir = b.dir.resolve("slapd");
        Path db = dir.resolve("db");
        Files.createDirectories(db);
        this.logFile = dir.resolve("slapd.log");
        Path conf = dir.resolve("slapd.conf");
        StringBuilder c = new StringBuilder("# written by warden.testing.SlapdInstance\n");
        for (String schema : List.of("core", "cosine", "inetorgperson", "nis")) {
            c.append("include /etc/ldap/schema/").append(schema).append(".schema\n");
        }
        c.append("pidfile ").append(dir.resolve("slapd.pid")).append('\n');
        c.append("argsfile ").append(dir.resolve("slapd.args")).append('\n');
        c.append("modulepath /usr/lib/ldap\nmoduleload back_mdb\n");
        if (b.ldaps) {
            Path cert = dir.resolve("cert.pem");
            Path key = dir.resolve("key.pem");
            TestCertificate.get().writePem(cert, key);
            c.append("TLSCertificateFile ").append(cert).append('\n');
            c.append("TLSCertificateKeyFile ").append(key).append('\n');
        }
        c.append("database mdb\nmaxsize 16777216\n");
        c.append("suffix \"").append(SUFFIX).append("\"\n");
        c.append("rootdn \"cn=admin,").append(SUFFIX).append("\"\n");
        c.append("directory ").append(db).append('\n');
        c.append("access to attrs=userPassword\n  by anonymous auth\n  by * none\n");
        c.append("access to *\n  by dn.exact=\"").append(SERVICE_DN).append("\" read\n");
        c.append(b.anonymousSearch ? "  by anonymous read\n" : "  by anonymous auth\n");
        c.append("  by * none\n");
        Files.writeString(conf, c.toString());

        Path ldif = dir.resolve("directory.ldif");
        Files.writeString(ldif, directory());
        Result added = command(List.of("/usr/sbin/slapadd", "-f", conf.toString(), "-l", ldif.toString()));
        if (added.status != 0) throw new IOException("slapadd failed:\n" + added.output);

        Process started = null;
        int bound = -1;
        int boundLdaps = -1;
        String failure = "";
        for (int attempt = 0; attempt < 3 && started == null; attempt++) {
            int candidate = LoopbackPorts.free();
            int candidateLdaps = b.ldaps ? LoopbackPorts.free() : -1;
            String urls = "ldap://127.0.0.1:" + candidate + "/" + (b.ldaps ? " ldaps://127.0.0.1:" + candidateLdaps + "/" : "");
            Process p = new ProcessBuilder("/usr/sbin/slapd", "-d", "0", "-h", urls, "-f", conf.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (awaitListening(p, candidate) && (!b.ldaps || awaitListening(p, candidateLdaps))) {
                started = p;
                bound = candidate;
                boundLdaps = candidateLdaps;
            } else {
                failure = log();
                stop(p);
            }
        }
        if (started == null) throw new IOException("slapd did not start in " + dir + ":\n" + failure);
        this.process = started;
        this.port = bound;
        this.ldapsPort = boundLdaps;
        this.shutdownHook = new Thread(() -> stop(process), "slapd-instance-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** The directory's entries, with passwords hashed by slappasswd. */
    private static String directory() throws IOException, InterruptedException {
        return """
                dn: %1$s
                objectClass: dcObject
                objectClass: organization
                dc: warden
                o: Warden test directory

                dn: ou=people,%1$s
                objectClass: organizationalUnit
                ou: people

                dn: ou=staff,%1$s
                objectClass: organizationalUnit
                ou: staff

                dn: ou=services,%1$s
                objectClass: organizationalUnit
                ou: services

                dn: %2$s
                objectClass: organizationalRole
                objectClass: simpleSecurityObject
                cn: warden
                userPassword: %3$s

                dn: uid=alice,ou=people,%1$s
                objectClass: inetOrgPerson
                objectClass: posixAccount
                uid: alice
                cn: Alice Example
                sn: Example
                mail: alice@warden.test
                uidNumber: 1001
                gidNumber: 1001
                homeDirectory: /home/alice
                userPassword: %4$s

                dn: uid=bob,ou=people,%1$s
                objectClass: inetOrgPerson
                uid: bob
                cn: Bob Example
                sn: Example
                mail: bob@warden.test
                userPassword: %5$s

                dn: uid=dave,ou=people,%1$s
                objectClass: inetOrgPerson
                objectClass: posixAccount
                uid: dave
                cn: Dave Example
                sn: Example
                uidNumber: 1003
                gidNumber: 1003
                homeDirectory: /home/dave
                userPassword: %6$s

                dn: uid=dave,ou=staff,%1$s
                objectClass: inetOrgPerson
                objectClass: posixAccount
                uid: dave
                cn: Dave Other
                sn: Other
                uidNumber: 1004
                gidNumber: 1004
                homeDirectory: /home/dave2
                userPassword: %6$s
                """.formatted(SUFFIX, SERVICE_DN, ssha(SERVICE_PASSWORD), ssha(ALICE_PASSWORD), ssha(BOB_PASSWORD),
                ssha(DAVE_PASSWORD));
    }

    /** {@code {SSHA}...} for {@code password}, made by slappasswd (the password goes in a file, not the command line). */
    private static String ssha(String password) throws IOException, InterruptedException {
        Path secret = Files.createTempFile("slapd-instance", ".secret");
        try {
            Files.writeString(secret, password); // -T reads the whole file, no newline
            Result r = command(List.of("/usr/sbin/slappasswd", "-h", "{SSHA}", "-T", secret.toString()));
            java.util.regex.Matcher hash = java.util.regex.Pattern.compile("\\{SSHA}[A-Za-z0-9+/=]+").matcher(r.output);
            if (r.status != 0 || !hash.find()) throw new IOException("slappasswd failed:\n" + r.output);
            return hash.group();
        } finally {
            Files.deleteIfExists(secret);
        }
    }

    /** {@code ldap://127.0.0.1:port} */
    public String url() {
        return "ldap://127.0.0.1:" + port;
    }

    /** {@code ldaps://127.0.0.1:port} (only with {@link Builder#ldaps()}). */
    public String ldapsUrl() {
        if (ldapsPort < 0) throw new IllegalStateException("this slapd was started without ldaps");
        return "ldaps://127.0.0.1:" + ldapsPort;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** slapd's own output so far ({@code -d 0}: start-up problems only). */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new AssertionError("cannot read " + logFile, e);
        }
    }

    /** Stops slapd (the directory goes down); {@link #close()} is still to be called. */
    public void stop() {
        stop(process);
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it stops the same process
        }
        stop(process);
    }

    /** SIGTERM to the PID, then SIGKILL if it is still there after 10 s. */
    private static void stop(Process p) {
        if (!p.isAlive()) return;
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** True once slapd accepts connections on {@code port}; false if it exited or did not within {@link #START_TIMEOUT}. */
    private static boolean awaitListening(Process p, int port) throws InterruptedException {
        long end = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) return false;
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    private static void requireRootAndSlapd() throws IOException, InterruptedException {
        Result id = command(List.of("id", "-u"));
        if (!id.output.trim().equals("0")) {
            throw new AssertionError("SlapdInstance needs root (the tests run as root in CI); this is uid " + id.output.trim());
        }
        for (String tool : List.of("/usr/sbin/slapd", "/usr/sbin/slapadd", "/usr/sbin/slappasswd")) {
            if (!Files.isExecutable(Path.of(tool))) {
                throw new AssertionError(tool + " is not installed: run .ci/run, or apt-get install slapd ldap-utils");
            }
        }
    }

    private record Result(int status, String output) {}

    private static Result command(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("slapd-instance", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within 60s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
