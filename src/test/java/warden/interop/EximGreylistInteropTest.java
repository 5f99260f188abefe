package warden.interop;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.cli.ServeCommand;
import warden.config.ConfigLoader;
import warden.mail.Cidr;
import warden.testing.EximInstance;
import warden.testing.EximInstance.GreylistAcl;
import warden.testing.GreylistdInstance;
import warden.testing.LogWait;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;
import warden.testing.TestFiles;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Warden's greylistd door proven with a real Exim 4.96 ({@link EximInstance}): Exim's ACL asks
 * Warden's socket exactly as it asks greylistd, with seed 004's statements
 * ({@code ${readsocket{SOCKET}{$acl_m9}{5s}{}{}}}) and with Debian's {@code greylistd-setup-exim4}
 * form ({@code --grey}/{@code --black}, failing open with {@code false}). Exim is driven over its
 * daemon's SMTP port with swaks and in its own test mode ({@code exim -bh IP}); Warden runs
 * in-process ({@code ServeCommand.start} with a {@link TestClock} moved past {@code greylist.delay}
 * between attempts, {@code dns.servers} a {@link TestDnsServer}).
 *
 * <p>Cases (letters as in issue 10's interop matrix): (a) a new triplet is deferred with 451 and
 * the seed's text, (b) the retry after the delay is accepted and delivered, (c) the same through
 * {@code exim -bh}, (d) a bounce passes RCPT and is deferred at DATA by the DATA ACL, (e) a client
 * in a DNS blacklist is refused by the {@code black} answer (the whole engine behind the socket),
 * (f) a triplet blacklisted with greylistd's own {@code greylist add --black} is refused with the
 * blacklist text, (g) with Warden stopped the ACLs fail open (accepted, never refused), (h) in
 * report mode the first attempt is accepted and Warden's log says what it would have answered.
 * The reference: the same Exim against a private real greylistd for (a) and (b).
 *
 * <p>Every case writes its row to {@link InteropMatrix} (client {@code Exim 4.96}, the door and ACL
 * form, the case, what was seen).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EximGreylistInteropTest {

    private static final String EXIM = "Exim 4.96";
    private static final String SEED_TEXT = " is not yet authorized to deliver mail from <%s> to <%s>. Please try later.";
    private static final Duration DELAY = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @BeforeAll
    static void eximIsThere() {
        EximInstance.binary(); // skips the class only when Exim is not set up at all (see there)
    }

    // ---- the reference: a real greylistd ------------------------------------------------------------

    @Test
    void referenceRealGreylistdDefersThenAcceptsThroughTheSeedAcl() throws Exception {
        var first = InteropMatrix.row(EXIM, "greylistd 0.9.0.2 (reference), seed ACL", "(a) new triplet: swaks gets 451");
        var retry = InteropMatrix.row(EXIM, "greylistd 0.9.0.2 (reference), seed ACL", "(b) retry after retryMin: accepted, delivered");
        try (GreylistdInstance greylistd = GreylistdInstance.start(dir, 1, "Debian-exim");
             EximInstance exim = EximInstance.in(dir).greylistd(GreylistAcl.SEED, greylistd.socket()).start()) {
            String out = swaks(exim, "127.0.0.7", "alice@example.org", "bob@example.test");
            assertThat(joined(out)).contains("451 127.0.0.7" + SEED_TEXT.formatted("alice@example.org", "bob@example.test"));
            exim.awaitLine("[127.0.0.7] F=<alice@example.org> temporarily rejected RCPT <bob@example.test>: greylisted.");
            first.passed("RCPT 451 \"127.0.0.7 is not yet authorized ... Please try later.\"; Exim logs \"greylisted.\"");

            Thread.sleep(GreylistdInstance.retryAfter(1).toMillis());
            out = swaks(exim, "127.0.0.7", "alice@example.org", "bob@example.test");
            assertThat(out).contains("<-  250 OK id=").contains("exit=0");
            assertThat(Files.readString(exim.awaitDelivered("bob", 1, LogWait.DEADLINE).get(0))).contains("Return-path: <alice@example.org>");
            assertThat(greylistd.tool("status", "127.0.0.7", "alice@example.org", "bob@example.test").output().strip()).isEqualTo("white");
            retry.passed("RCPT 250, DATA 250, delivered to the Maildir; greylistd status white");
        }
    }

    // ---- the parts ----------------------------------------------------------------------------------

    /** Warden serving the greylistd door on a UNIX socket for Debian-exim, and Exim asking it. */
    private static final class Setup implements AutoCloseable {
        final TestDnsServer dns;
        final TestClock clock = new TestClock();
        final Path socket;
        final Path mainlog;
        final ServeCommand.Running warden;
        final EximInstance exim;

        private Setup(Path dir, String extraYaml, GreylistAcl form) throws Exception {
            dns = TestDnsServer.start();
            try {
                clientNames(dns);
                Path doorDir = Files.createDirectories(dir.resolve("door"));
                Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setPosixFilePermissions(doorDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                socket = doorDir.resolve("socket");
                Path data = dir.resolve("var");
                mainlog = data.resolve("log").resolve("mainlog");
                Path yaml = Files.writeString(dir.resolve("warden.yaml"), """
                        hostname: mx.warden.test
                        listen: []
                        relay_networks: []
                        data_dir: %s
                        dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                        greylist: {delay: %ds}
                        doors:
                          greylistd: {socket: %s, mode: "0660", group: Debian-exim}
                        %s""".formatted(data, dns.address().getPort(), DELAY.toSeconds(), socket, extraYaml));
                warden = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(new ByteArrayOutputStream(), true), clock);
                try {
                    exim = EximInstance.in(dir).greylistd(form, socket).start();
                } catch (Exception | Error e) {
                    warden.close();
                    throw e;
                }
            } catch (Exception | Error e) {
                dns.close();
                throw e;
            }
        }

        static Setup start(Path dir, String extraYaml, GreylistAcl form) throws Exception {
            return new Setup(dir, extraYaml, form);
        }

        /** The first line of Warden's main log with every fragment. */
        String awaitWardenLine(String... fragments) {
            return LogWait.line(() -> TestFiles.readOrEmpty(mainlog), fragments);
        }

        @Override
        public void close() {
            try {
                exim.close();
            } finally {
                try {
                    warden.close(); // a second close after (g) does nothing more
                } finally {
                    dns.close();
                }
            }
        }

        /** Forward-confirmed names for the clients the cases use, so no identity check finds fault with them. */
        private static void clientNames(TestDnsServer dns) {
            for (String ip : List.of("127.0.0.7", "127.0.0.8", "127.0.0.9", "127.0.0.10", "127.0.0.11", "192.0.2.10", "192.0.2.11",
                    "198.51.100.66")) {
                String name = "mail-" + ip.replace('.', '-') + ".sender.example";
                dns.ptr(Cidr.literal(ip), name).a(name, ip);
            }
        }
    }

    private static String formName(GreylistAcl form) {
        return form == GreylistAcl.SEED ? "seed ACL" : "Debian greylistd-setup-exim4 ACL";
    }

    /** An SMTP dialogue for {@code exim -bh}: one message from {@code from} to {@code to}. */
    private static String[] dialogue(String from, String to) {
        return new String[] {"EHLO mail.sender.example", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA",
                "From: <" + from + ">", "To: <" + to + ">", "Subject: exim -bh", "", "hello", ".", "QUIT"};
    }

    /** swaks from {@code localIp} (any 127/8 address is ours) to Exim's daemon; its transcript and exit status. */
    private static String swaks(EximInstance exim, String localIp, String from, String to) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(exim.port()),
                "--local-interface", localIp, "--helo", "mail.sender.example", "--from", from, "--to", to, "--timeout", "30"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out + "\nexit=" + p.exitValue();
    }

    /** swaks' transcript with each multi-line reply on one line: {@code 451 a b} for {@code <** 451-a} and {@code <** 451 b}. */
    private static String joined(String swaks) {
        StringBuilder replies = new StringBuilder();
        for (String line : swaks.split("\n")) {
            if (line.startsWith("<-  ") || line.startsWith("<** ")) replies.append(line.substring(4)).append('\n');
        }
        return String.join("\n", EximInstance.joinReplies(replies.toString()));
    }
}
