package warden.testing;

import org.junit.jupiter.api.Assumptions;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A private, real Exim 4.96 (Debian's {@code exim4-daemon-light}, extracted without installing it:
 * {@code .ci/run}) as the MTA in front of a greylistd socket: its own {@code -C} configuration,
 * spool and logs under a test directory, a daemon ({@code -bdf -oX PORT}) on 127.0.0.1 only, Maildir
 * delivery of one test domain into that directory, and {@link #bh} for Exim's own test mode
 * ({@code exim -bh IP}: a scripted SMTP dialogue as if from that address, with the ACL trace).
 * Nothing of the system's Exim is read ({@code /etc/exim4} is never named) or started.
 *
 * <p>The greylist ACL statements are the ones admins paste, read from
 * {@code src/test/resources/warden/testing/exim/}: seed 004's ({@link GreylistAcl#SEED}, the
 * {@code ${readsocket{...}{$acl_m9}{5s}{}{}}} form, copied byte for byte from the seed) and what
 * Debian's {@code greylistd-setup-exim4 add} inserts ({@link GreylistAcl#DEBIAN}, the
 * {@code --grey}/{@code --black} form whose fifth readsocket argument {@code false} fails open).
 * They are used as written except for what a private instance must change, all in
 * {@link GreylistAcl#adapt}: Debian's {@code %s} (filled as its setup script fills it), the socket
 * path, the greylistd whitelist files (moved into the test directory, where they do not exist
 * unless a test writes them), and the seed's non-breaking spaces
 * (U+00A0, from the web page it was copied off), which Exim refuses ("unknown ACL
 * condition/modifier in " !senders = :"").
 * The seed's statements go at the bottom of {@code acl_check_rcpt} ("after all the other
 * spam-related checks") and of {@code acl_check_data}; Debian's at the top, where the setup
 * script puts them. {@code +relay_from_hosts} and {@code +relay_to_domains} are defined empty,
 * {@code acl_local_deny_exceptions} (Debian's) accepts the hosts of a file that does not exist.
 *
 * <p>Exim's privileges: the binary is setuid root; with a {@code -C} file that is not in its
 * {@code TRUSTED_CONFIG_LIST} it drops to {@code exim_user} (Debian-exim) at once ("exim user lost
 * privilege for using -C option", logged), so the daemon, its ACLs' {@code ${readsocket}} and the
 * Maildir deliveries all run as Debian-exim: the socket must be reachable by that user (mode or
 * group), and the test directory is made world-traversable. Deliveries re-execute
 * {@code exim_path}, set to the extracted binary. Needs root to start (as {@link PostfixInstance}).
 *
 * <p>Bounded: every command and the daemon's start are waited for at most
 * {@value #COMMAND_SECONDS} s; {@link #close()} ends the daemon by its PID (SIGTERM, then SIGKILL)
 * and then any process it forked that is still alive. A shutdown hook does the same if a test
 * forgets.
 *
 * <p>Standards: RFC 5321 (the SMTP side). Exim's spec, chapters "The Exim command line" ({@code -C},
 * {@code -bd}, {@code -bdf}, {@code -oX}, {@code -bh}), "Access control lists" and "String
 * expansions" ({@code ${readsocket}}).
 */
public final class EximInstance implements AutoCloseable {

    /** Where {@code .ci/run} extracts the binary; {@code WARDEN_EXIM} overrides it. */
    public static final Path DEFAULT_BINARY = Path.of("/opt/warden-interop/exim/usr/sbin/exim4");
    static final String EXIM_USER = "Debian-exim";
    private static final int COMMAND_SECONDS = 30;
    private static final String RESOURCES = "/warden/testing/exim/";

    /** Which greylist statements the ACLs carry. */
    public enum GreylistAcl {
        /**
         * Seed 004's: {@code set acl_m6 = ${readsocket{SOCKET}{$acl_m9}{5s}{}{}}} with
         * {@code acl_m9 = $sender_host_address $sender_address $local_part@$domain} (RCPT) or
         * {@code $sender_host_address $recipients} (DATA, null sender only), then
         * {@code defer} on {@code grey}, {@code deny} on {@code black}; a dead socket gives an empty
         * string: accepted.
         */
        SEED("seed-rcpt.acl", "seed-data.acl", null),
        /**
         * Debian's {@code greylistd-setup-exim4 add} (greylistd 0.9.0.2): {@code condition =
         * ${readsocket{SOCKET}{--grey $sender_host_address ...}{5s}{}{false}}} and a second
         * round trip with {@code --black}; a dead socket gives {@code false}: accepted.
         */
        DEBIAN("debian-rcpt.acl", "debian-data.acl", "$sender_host_address"),
        /**
         * {@code greylistd-setup-exim4 add -netmask=24}: as {@link #DEBIAN}, the {@code --grey}
         * request naming the client's /24 ({@code ${mask:$sender_host_address/24}}); the
         * {@code --black} request still names the address.
         */
        DEBIAN_NETMASK_24("debian-rcpt.acl", "debian-data.acl", "${mask:$sender_host_address/24}"),
        /** No greylisting at all (Exim as a plain receiver). */
        NONE(null, null, null);

        private final String rcpt;
        private final String data;
        private final String hostAddress;

        /**
         * @param hostAddress what {@code greylistd-setup-exim4} puts for the {@code %s} of its
         *                    templates (Python's {@code %}), or null for statements without one
         */
        GreylistAcl(String rcpt, String data, String hostAddress) {
            this.rcpt = rcpt;
            this.data = data;
            this.hostAddress = hostAddress;
        }

        /** The RCPT statements as published (the resource), before {@link #adapt}. */
        public String rcptAsPublished() {
            return rcpt == null ? "" : resource(rcpt);
        }

        /** The DATA statements as published (the resource), before {@link #adapt}. */
        public String dataAsPublished() {
            return data == null ? "" : resource(data);
        }

        /**
         * Published statements made ready for a private instance: Debian's {@code %s} filled as its
         * setup script fills it; {@code /var/run/greylistd/socket} becomes {@code socket} (a path
         * or Exim's {@code inet:HOST:PORT}); {@code /etc/greylistd/} and {@code /var/lib/greylistd/}
         * become directories under {@code dir}; U+00A0 becomes a space. Nothing else changes.
         */
        public String adapt(String published, String socket, Path dir) {
            String filled = hostAddress == null ? published : published.replace("%s", hostAddress);
            return filled.replace("/var/run/greylistd/socket", socket)
                    .replace("/etc/greylistd/", dir.resolve("etc-greylistd") + "/")
                    .replace("/var/lib/greylistd/", dir.resolve("var-lib-greylistd") + "/")
                    .replace('\u00a0', ' ');
        }

        /** Debian's statements go at the top of their ACLs (where its setup script inserts them), the seed's at the bottom. */
        boolean atTop() {
            return hostAddress != null;
        }

        private static String resource(String name) {
            try (InputStream in = EximInstance.class.getResourceAsStream(RESOURCES + name)) {
                if (in == null) throw new IllegalStateException("missing test resource " + RESOURCES + name);
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final Path dir;
    private final Path config;
    private final Path spool;
    private final Path logs;
    private final Path mail;
    private final String domain;
    private final Process daemon;
    private final int port;
    private final Thread shutdownHook;
    private boolean closed;

    /**
     * The Exim binary to run: {@code WARDEN_EXIM}, else {@link #DEFAULT_BINARY}. Skips the calling
     * test (JUnit assumption) only when neither is set up: no {@code WARDEN_EXIM} and nothing at the
     * default path. When {@code WARDEN_EXIM} is set ({@code .ci/run} sets it) a missing binary is a
     * failure, so CI cannot silently skip the Exim interop tests.
     */
    public static Path binary() {
        String env = System.getenv("WARDEN_EXIM");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.isExecutable(p)) {
                throw new AssertionError("WARDEN_EXIM=" + env + " is not an executable Exim: run .ci/run (it extracts "
                        + "exim4-daemon-light into /opt/warden-interop/exim)");
            }
            return p;
        }
        Assumptions.assumeTrue(Files.isExecutable(DEFAULT_BINARY), "Exim is not extracted at " + DEFAULT_BINARY
                + " and WARDEN_EXIM is not set: the Exim interop tests are skipped (.ci/run extracts it: "
                + "apt-get download exim4-daemon-light exim4-base; dpkg-deb -x each into /opt/warden-interop/exim)");
        return DEFAULT_BINARY;
    }

    /** Starts the description of an instance that lives under {@code dir} (made world-traversable). */
    public static Builder in(Path dir) {
        return new Builder(dir);
    }

    /** What the instance accepts and which greylist ACL it carries; {@link #start()} makes it run. */
    public static final class Builder {
        private final Path dir;
        private String domain = "example.test";
        private String hostname = "exim.example.test";
        private final Set<String> users = new LinkedHashSet<>();
        private GreylistAcl acl = GreylistAcl.NONE;
        private String socket;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** The local domain delivered to Maildirs (default {@code example.test}). */
        public Builder domain(String domain) {
            this.domain = domain;
            return this;
        }

        /** Exim's {@code primary_hostname}, in its banner and Received: lines. */
        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        /** A local part of {@link #domain} with a Maildir; any other fails {@code verify = recipient} (550). */
        public Builder mailbox(String localPart) {
            users.add(localPart);
            return this;
        }

        /** The greylist statements {@code acl} in the RCPT and DATA ACLs, asking the greylistd UNIX socket at {@code socket}. */
        public Builder greylistd(GreylistAcl acl, Path socket) {
            return greylistd(acl, socket.toString());
        }

        /**
         * The greylist statements {@code acl}, asking {@code socket} as {@code ${readsocket}} names
         * it: a UNIX socket's path, or {@code inet:127.0.0.1:PORT} for a TCP door.
         */
        public Builder greylistd(GreylistAcl acl, String socket) {
            this.acl = acl;
            this.socket = socket;
            return this;
        }

        /** Writes the configuration and starts the daemon on a free loopback port. */
        public EximInstance start() throws IOException, InterruptedException {
            if (users.isEmpty()) users.add("bob");
            return new EximInstance(this);
        }
    }

    private EximInstance(Builder b) throws IOException, InterruptedException {
        Path exim = binary();
        requireRootAndEximUser();
        this.dir = b.dir.resolve("exim");
        this.domain = b.domain;
        this.spool = dir.resolve("spool");
        this.logs = dir.resolve("log");
        this.mail = dir.resolve("mail");
        this.config = dir.resolve("exim.conf");
        Files.createDirectories(dir);
        reachable(b.dir);
        traversable(dir);
        UserPrincipalLookupService names = dir.getFileSystem().getUserPrincipalLookupService();
        for (Path d : List.of(spool, logs, mail)) {
            Files.createDirectories(d);
            Files.setOwner(d, names.lookupPrincipalByName(EXIM_USER));
        }
        Files.writeString(config, configuration(b, exim));

        int bound = -1;
        Process started = null;
        String lastFailure = "";
        for (int attempt = 0; attempt < 3 && bound < 0; attempt++) {
            int candidate = LoopbackPorts.free();
            Path out = dir.resolve("daemon.out");
            Process p = new ProcessBuilder(exim.toString(), "-C", config.toString(), "-bdf", "-oX", String.valueOf(candidate))
                    .redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (LoopbackPorts.awaitListening(p, candidate, Duration.ofSeconds(COMMAND_SECONDS))) {
                bound = candidate;
                started = p;
            } else {
                lastFailure = TestFiles.readOrEmpty(out) + TestFiles.readOrEmpty(logs.resolve("paniclog")) + TestFiles.readOrEmpty(logs.resolve("mainlog"));
                stop(p);
            }
        }
        if (bound < 0) throw new IOException("exim did not start in " + dir + ":\n" + lastFailure);
        this.port = bound;
        this.daemon = started;
        this.shutdownHook = new Thread(() -> stop(daemon), "exim-instance-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Exim's configuration: its own files only, loopback only, the chosen greylist ACL. */
    private String configuration(Builder b, Path exim) {
        String rcptGreylist = b.acl.adapt(b.acl.rcptAsPublished(), b.socket, dir);
        String dataGreylist = b.acl.adapt(b.acl.dataAsPublished(), b.socket, dir);
        boolean top = b.acl.atTop();
        return """
                # written by warden.testing.EximInstance
                primary_hostname = %s
                domainlist local_domains = %s
                domainlist relay_to_domains =
                hostlist relay_from_hosts =
                exim_path = %s
                exim_user = %s
                exim_group = %s
                spool_directory = %s
                log_file_path = %s/%%slog
                pid_file_path = %s/exim.pid
                keep_environment =
                local_interfaces = 127.0.0.1
                tls_advertise_hosts =
                host_lookup =
                rfc1413_hosts =
                log_selector = +smtp_protocol_error +smtp_syntax_error +smtp_connection
                acl_smtp_rcpt = acl_check_rcpt
                acl_smtp_data = acl_check_data

                begin acl

                acl_local_deny_exceptions:
                  accept hosts = ${if exists{%s/host_local_deny_exceptions}{%s/host_local_deny_exceptions}{}}

                acl_check_rcpt:
                %s
                  deny    message = relay not permitted
                          !domains = +local_domains : +relay_to_domains
                  require verify = recipient
                %s
                  accept

                acl_check_data:
                %s
                  accept

                begin routers

                local_user:
                  driver = accept
                  domains = +local_domains
                  local_parts = %s
                  transport = maildir_delivery

                begin transports

                maildir_delivery:
                  driver = appendfile
                  directory = %s/${local_part_data}/Maildir
                  maildir_format
                  create_directory
                  delivery_date_add
                  envelope_to_add
                  return_path_add
                  user = %s
                  group = %s
                """.formatted(b.hostname, b.domain, exim, EXIM_USER, EXIM_USER, spool, logs, dir, dir, dir,
                top ? rcptGreylist : "", top ? "" : rcptGreylist, dataGreylist, String.join(" : ", b.users),
                mail, EXIM_USER, EXIM_USER);
    }

    /** The daemon's listener, 127.0.0.1:port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    public int port() {
        return port;
    }

    public String domain() {
        return domain;
    }

    /** The configuration file given with {@code -C}. */
    public Path config() {
        return config;
    }

    /** The daemon's PID (the process this instance started). */
    public long pid() {
        return daemon.pid();
    }

    /** What {@code exim -bh} printed: the SMTP replies (stdout) and the ACL trace ({@code >>>} lines, stderr). */
    public record Bh(String replies, String trace, int exitStatus) {
        /** The SMTP replies with multi-line replies joined: {@code 451-a}, {@code 451 b} becomes {@code 451 a b}. */
        public List<String> joinedReplies() {
            return joinReplies(replies);
        }
    }

    /**
     * SMTP replies one per line: {@code NNN-text} continues a reply and {@code NNN text} ends it
     * ({@code 451-a}, {@code 451 b} becomes {@code 451 a b}: Exim splits long texts); other lines
     * (the {@code -bh} banner) are skipped.
     */
    public static List<String> joinReplies(String text) {
        List<String> replies = new ArrayList<>();
        StringBuilder current = null;
        for (String line : text.split("\r?\n")) {
            if (line.length() < 4 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) continue;
            char sep = line.charAt(3);
            if (sep != ' ' && sep != '-') continue;
            if (current == null) current = new StringBuilder(line.substring(0, 3)).append(' ').append(line.substring(4));
            else current.append(' ').append(line.substring(4));
            if (sep == ' ') {
                replies.add(current.toString());
                current = null;
            }
        }
        return replies;
    }

    /**
     * Runs {@code exim -C config -bh ip} with {@code commands} (one SMTP command or data line each,
     * sent with CRLF) as the client's side of the dialogue: Exim runs its ACLs (so the greylistd
     * socket is asked) but delivers nothing.
     */
    public Bh bh(String ip, String... commands) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "bh", ".out");
        Path err = Files.createTempFile(dir, "bh", ".err");
        Path in = Files.createTempFile(dir, "bh", ".in");
        try {
            Files.writeString(in, Stream.of(commands).map(c -> c + "\r\n").collect(Collectors.joining()), StandardCharsets.UTF_8);
            Process p = new ProcessBuilder(binary().toString(), "-C", config.toString(), "-bh", ip)
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(in.toFile()).start();
            if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
                stop(p);
                throw new IOException("exim -bh " + ip + " did not finish within " + COMMAND_SECONDS + "s:\n" + TestFiles.readOrEmpty(out) + TestFiles.readOrEmpty(err));
            }
            return new Bh(TestFiles.readOrEmpty(out), TestFiles.readOrEmpty(err), p.exitValue());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            Files.deleteIfExists(in);
        }
    }

    /** The user's Maildir (Exim makes it at the first delivery). */
    public Path maildir(String localPart) {
        return mail.resolve(localPart).resolve("Maildir");
    }

    /** The messages delivered to {@code localPart} so far (files in its {@code Maildir/new}). */
    public List<Path> delivered(String localPart) throws IOException {
        return TestFiles.newMessages(maildir(localPart));
    }

    /** Waits until {@code localPart} has at least {@code count} messages; fails after {@code within}. */
    public List<Path> awaitDelivered(String localPart, int count, Duration within) throws IOException, InterruptedException {
        return TestFiles.awaitNewMessages(maildir(localPart), count, within,
                () -> "Exim's mainlog:\n" + mainlog() + "\npaniclog:\n" + paniclog());
    }

    /** Exim's {@code mainlog} so far (peer text: read as Latin-1 so no byte is lost). */
    public String mainlog() {
        return TestFiles.readOrEmpty(logs.resolve("mainlog"));
    }

    /** Exim's {@code rejectlog} so far (refusals with the message's header). */
    public String rejectlog() {
        return TestFiles.readOrEmpty(logs.resolve("rejectlog"));
    }

    /** Exim's {@code paniclog} so far (configuration and expansion errors). */
    public String paniclog() {
        return TestFiles.readOrEmpty(logs.resolve("paniclog"));
    }

    /** The first mainlog line with every fragment, once there is one; fails after {@link LogWait#DEADLINE}. */
    public String awaitLine(String... fragments) {
        return LogWait.line(this::mainlog, fragments);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it stops the same daemon
        }
        stop(daemon);
    }

    /** SIGTERM to the process, SIGKILL after 10 s; then whatever it forked (reception, delivery) that is left. */
    private static void stop(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle child : children) {
            if (!child.isAlive()) continue;
            try {
                child.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception notYet) {
                child.destroyForcibly();
            }
        }
    }

    private static void traversable(Path d) throws IOException {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * Lets Debian-exim reach {@code d}: search permission for others on it and on each of its
     * ancestors below the system's temporary directory (a JUnit {@code @TempDir} is 0700; nothing
     * outside the temporary directory is changed).
     */
    private static void reachable(Path d) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        Path abs = d.toAbsolutePath().normalize();
        if (!abs.startsWith(tmp)) {
            if (!Files.getPosixFilePermissions(abs).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                throw new AssertionError(abs + " is not under " + tmp + " and not searchable by " + EXIM_USER);
            }
            return;
        }
        for (Path p = abs; p != null && p.startsWith(tmp) && !p.equals(tmp); p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            if (perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) Files.setPosixFilePermissions(p, perms);
        }
    }

    private static void requireRootAndEximUser() throws IOException {
        String uid = String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        if (!uid.equals("0")) {
            throw new AssertionError("EximInstance needs root (Exim is setuid root and drops to " + EXIM_USER
                    + "; the spool is given to that user); this is uid " + uid);
        }
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(EXIM_USER);
        } catch (IOException e) {
            throw new AssertionError("user " + EXIM_USER + " does not exist: run .ci/run (useradd --system " + EXIM_USER + ")");
        }
    }
}
