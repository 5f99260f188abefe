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
 * report mode the first attempt is accepted and Warden's log says what it would have answered,
 * (i) Debian's DATA ACL asking {@code --black IP $recipients} about ordinary mail does not refuse it
 * (with {@code bounce_recipients} set), (j) the door on loopback TCP, (k) Debian's
 * {@code -netmask=24} form. The reference: the same Exim against a private real greylistd for (a)
 * and (b).
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

    // ---- Warden's door ------------------------------------------------------------------------------

    @Test
    void aNewTripletIsDeferredAndItsRetryAcceptedAndDelivered() throws Exception {
        var first = InteropMatrix.row(EXIM, "Warden greylistd door, seed ACL", "(a) new triplet: swaks gets 451");
        var retry = InteropMatrix.row(EXIM, "Warden greylistd door, seed ACL", "(b) retry after the delay (clock moved): accepted, delivered");
        try (Setup s = Setup.start(dir, "", GreylistAcl.SEED)) {
            String out = swaks(s.exim, "127.0.0.7", "alice@example.org", "bob@example.test");
            assertThat(joined(out)).contains("451 127.0.0.7" + SEED_TEXT.formatted("alice@example.org", "bob@example.test"));
            assertThat(out).doesNotContain("<** 5");
            s.exim.awaitLine("[127.0.0.7] F=<alice@example.org> temporarily rejected RCPT <bob@example.test>: greylisted.");
            s.awaitWardenLine("greylistd ", "127.0.0.7 alice@example.org bob@example.test", "-> grey");
            first.passed("RCPT 451 \"127.0.0.7 is not yet authorized to deliver mail from <alice@example.org> to <bob@example.test>."
                    + " Please try later.\"; Exim logs \"greylisted.\"");

            s.clock.advance(DELAY.plusSeconds(1));
            out = swaks(s.exim, "127.0.0.7", "alice@example.org", "bob@example.test");
            assertThat(out).contains("<-  250 Accepted").contains("<-  250 OK id=").contains("exit=0");
            List<Path> mail = s.exim.awaitDelivered("bob", 1, LogWait.DEADLINE);
            assertThat(Files.readString(mail.get(0))).contains("Return-path: <alice@example.org>").contains("Subject: test");
            s.exim.awaitLine("=> bob <bob@example.test> R=local_user T=maildir_delivery");
            retry.passed("RCPT 250, DATA 250, delivered to the Maildir (Exim \"=> bob\")");
        }
    }

    @Test
    void eximTestModeShowsTheDeferAndLaterTheAcceptWithBothAclForms() throws Exception {
        forBothForms("(c) exim -bh: defer, then accept after the delay", "", (s, form) -> {
            EximInstance.Bh[] bh = deferThenAccept(s, "192.0.2.10", "192.0.2.10");
            assertThat(bh[0].trace()).contains(form == GreylistAcl.SEED ? "= grey" : "= true");
            assertThat(bh[1].trace()).contains(form == GreylistAcl.SEED ? "= white" : "= false");
            return "first -bh: RCPT 451 with the seed's text (socket answered "
                    + (form == GreylistAcl.SEED ? "grey" : "true to --grey") + "); after the delay: 250 Accepted (socket answered "
                    + (form == GreylistAcl.SEED ? "white" : "false to --grey and to --black") + ")";
        });
    }

    @Test
    void aBounceIsDeferredAtDataNotAtRcpt() throws Exception {
        var row = InteropMatrix.row(EXIM, "Warden greylistd door, seed ACL", "(d) bounce (MAIL FROM:<>): RCPT 250, 451 at DATA");
        try (Setup s = Setup.start(dir, "", GreylistAcl.SEED)) {
            String out = swaks(s.exim, "127.0.0.8", "<>", "bob@example.test");
            assertThat(out).contains(" -> RCPT TO:<bob@example.test>\n<-  250 Accepted");
            assertThat(joined(out)).contains("451 127.0.0.8 is not yet authorized to send delivery status reports to <bob@example.test>."
                    + " Please try later.");
            assertThat(out).doesNotContain("<-  250 OK id=");
            s.exim.awaitLine("[127.0.0.8]", "F=<> temporarily rejected after DATA: greylisted.");

            s.clock.advance(DELAY.plusSeconds(1));
            out = swaks(s.exim, "127.0.0.8", "<>", "bob@example.test");
            assertThat(out).contains("<-  250 OK id=");
            s.exim.awaitDelivered("bob", 1, LogWait.DEADLINE);
            row.passed("RCPT 250; after the data 451 \"127.0.0.8 is not yet authorized to send delivery status reports to"
                    + " <bob@example.test>. Please try later.\"; after the delay accepted and delivered");
        }
        var debian = InteropMatrix.row(EXIM, "Warden greylistd door, Debian greylistd-setup-exim4 ACL",
                "(d) bounce (MAIL FROM:<>): RCPT 250, 451 at DATA");
        Path d = Files.createDirectories(dir.resolve("debian"));
        try (Setup s = Setup.start(d, "", GreylistAcl.DEBIAN)) {
            EximInstance.Bh bh = s.exim.bh("192.0.2.12", dialogue("", "bob@example.test"));
            assertThat(bh.joinedReplies()).as(bh.trace()).contains("250 Accepted")
                    .contains("451 192.0.2.12 is not yet authorized to deliver mail from <> to <bob@example.test>. Please try later.");
            assertThat(bh.trace()).contains("{--grey $sender_host_address $recipients}");
            s.clock.advance(DELAY.plusSeconds(1));
            bh = s.exim.bh("192.0.2.12", dialogue("", "bob@example.test"));
            assertThat(bh.joinedReplies()).as(bh.trace()).anyMatch(r -> r.startsWith("250 OK id="))
                    .noneMatch(r -> r.startsWith("4") || r.startsWith("5"));
            debian.passed("exim -bh: RCPT 250, after the data 451 \"192.0.2.12 is not yet authorized to deliver mail from <> to"
                    + " <bob@example.test>. Please try later.\" (--grey IP $recipients: true); after the delay 250");
        }
    }

    @Test
    void aClientInADnsBlacklistIsRefusedThroughTheBlackAnswer() throws Exception {
        String dnsbl = """
                dnsbl: {threshold: 1, lists: [bl.test]}
                checks: {dnsbl-listed: {action: deny}}
                """;
        forBothForms("(e) client in a DNSBL (127.0.0.2): refused by the black verb", dnsbl, (s, form) -> {
            s.dns.a("66.100.51.198.bl.test", "127.0.0.2").txt("66.100.51.198.bl.test", "listed for the test");
            EximInstance.Bh bh = s.exim.bh("198.51.100.66", dialogue("mallory@example.net", "bob@example.test"));
            assertThat(bh.joinedReplies()).as(bh.trace()).contains("550 198.51.100.66 is blacklisted from delivering mail from"
                    + " <mallory@example.net> to <bob@example.test>.");
            assertThat(s.dns.queries("66.100.51.198.bl.test")).isPositive();
            return "RCPT 550 \"198.51.100.66 is blacklisted from delivering mail from <mallory@example.net> to"
                    + " <bob@example.test>.\" (" + (form == GreylistAcl.SEED ? "answer black" : "--grey false, --black true") + ")";
        });
    }

    @Test
    void aTripletBlacklistedWithGreylistdsOwnToolIsRefused() throws Exception {
        var row = InteropMatrix.row(EXIM, "Warden greylistd door, seed ACL", "(f) greylist add --black (greylistd's tool): refused");
        try (Setup s = Setup.start(dir, "", GreylistAcl.SEED)) {
            GreylistdInstance.Tool added = GreylistdInstance.tool(s.socket, dir, "add", "--black", "127.0.0.9", "spam@bad.example",
                    "bob@example.test");
            assertThat(added.output().strip()).isEqualTo("Added to blacklist");
            String out = swaks(s.exim, "127.0.0.9", "spam@bad.example", "bob@example.test");
            assertThat(joined(out)).contains("550 127.0.0.9 is blacklisted from delivering mail from <spam@bad.example> to <bob@example.test>.");
            s.exim.awaitLine("[127.0.0.9] F=<spam@bad.example> rejected RCPT <bob@example.test>: blacklisted.");
            assertThat(GreylistdInstance.tool(s.socket, dir, "status", "127.0.0.9", "spam@bad.example", "bob@example.test").output().strip())
                    .isEqualTo("black");
            row.passed("greylist add --black -> \"Added to blacklist\"; RCPT 550 \"127.0.0.9 is blacklisted from delivering mail from"
                    + " <spam@bad.example> to <bob@example.test>.\"; Exim logs \"blacklisted.\"");
        }
    }

    @Test
    void withWardenStoppedTheAclsFailOpen() throws Exception {
        forBothForms("(g) Warden stopped: fail open", "", (s, form) -> {
            s.warden.close();
            assertThat(s.socket).doesNotExist();
            String out = swaks(s.exim, "127.0.0.10", "alice@example.org", "bob@example.test");
            assertThat(out).contains("<-  250 Accepted").contains("<-  250 OK id=").doesNotContain("<** ");
            s.exim.awaitDelivered("bob", 1, LogWait.DEADLINE);
            EximInstance.Bh bh = s.exim.bh("192.0.2.11", dialogue("alice@example.org", "bob@example.test"));
            assertThat(bh.joinedReplies()).as(bh.trace()).contains("250 Accepted").noneMatch(r -> r.startsWith("4") || r.startsWith("5"));
            // the trace shows the expansion's value: the fail string, "" or "false"
            assertThat(bh.trace()).containsPattern(form == GreylistAcl.SEED ? "\\{5s}\\{}\\{}}\\n>>> +=[ ]*\\n" : "\\{5s}\\{}\\{false}}\\n>>> += false\\n");
            return "socket gone: readsocket expands to " + (form == GreylistAcl.SEED ? "\"\"" : "\"false\"")
                    + ", RCPT 250, delivered; nothing deferred or refused";
        });
    }

    @Test
    void inReportModeTheFirstAttemptIsAcceptedAndWardenLogsWhatItWouldHaveAnswered() throws Exception {
        var row = InteropMatrix.row(EXIM, "Warden greylistd door, seed ACL", "(h) policy.mode: report: accepted, the would-be answer logged");
        try (Setup s = Setup.start(dir, "policy: {mode: report}\n", GreylistAcl.SEED)) {
            String out = swaks(s.exim, "127.0.0.11", "alice@example.org", "bob@example.test");
            assertThat(out).contains("<-  250 Accepted").contains("<-  250 OK id=").doesNotContain("<** ");
            s.exim.awaitDelivered("bob", 1, LogWait.DEADLINE);
            String line = s.awaitWardenLine("report: greylistd ", "127.0.0.11 alice@example.org bob@example.test", "-> white",
                    "would answer grey");
            row.passed("RCPT 250, delivered; Warden's main log: " + line.substring(line.indexOf("report: ")));
        }
    }

    @Test
    void theTcpDoorAnswersExim() throws Exception {
        var row = InteropMatrix.row(EXIM, "Warden greylistd door on loopback TCP, seed ACL",
                "(j) ${readsocket{inet:127.0.0.1:PORT}...}: defer, then accept");
        try (Setup s = Setup.tcp(dir, GreylistAcl.SEED)) {
            EximInstance.Bh[] bh = deferThenAccept(s, "192.0.2.10", "192.0.2.10");
            assertThat(bh[0].trace()).containsPattern("readsocket\\{inet:127\\.0\\.0\\.1:[0-9]+}");
            row.passed("exim -bh: RCPT 451 with the seed's text, after the delay 250 (answers grey, then white over TCP)");
        }
    }

    @Test
    void debiansNetmaskFormGreylistsTheClientsNetwork() throws Exception {
        var row = InteropMatrix.row(EXIM, "Warden greylistd door, Debian greylistd-setup-exim4 -netmask=24 ACL",
                "(k) --grey ${mask:$sender_host_address/24}: defer, then a neighbour's retry accepted");
        try (Setup s = Setup.start(dir, "", GreylistAcl.DEBIAN_NETMASK_24)) {
            EximInstance.Bh[] bh = deferThenAccept(s, "192.0.2.10", "192.0.2.11");
            assertThat(bh[0].trace()).contains("{--grey ${mask:$sender_host_address/24} $sender_address $local_part@$domain}");
            s.awaitWardenLine("greylistd ", "--grey 192.0.2.0/24 carol@example.org bob@example.test");
            row.passed("exim -bh from 192.0.2.10: RCPT 451 (asked --grey 192.0.2.0/24 ...); after the delay from 192.0.2.11: 250");
        }
    }

    @Test
    void debiansDataAclAsksBlackForOrdinaryMailAndIsNotRefused() throws Exception {
        var row = InteropMatrix.row(EXIM, "Warden greylistd door, Debian greylistd-setup-exim4 ACL",
                "(i) DATA ACL's --black IP $recipients for ordinary mail, bounce_recipients set: accepted");
        // Debian's DATA deny has "!senders = :": for every message that is NOT a bounce it asks
        // "--black $sender_host_address $recipients" (two words, the shape of a bounce request).
        // greylistd answers false unless that key was blacklisted; so must Warden, even when the
        // recipient is not in bounce_recipients (a bounce to it would be bogus, this is no bounce).
        Path bounces = Files.createDirectories(dir.resolve("bounce-rcpts"));
        Files.writeString(bounces.resolve("example.test"), "bob\n");
        try (Setup s = Setup.start(dir, "bounce_recipients: " + bounces + "\n", GreylistAcl.DEBIAN, "bob", "carol")) {
            EximInstance.Bh bh = s.exim.bh("192.0.2.10", dialogue("alice@example.org", "carol@example.test"));
            assertThat(bh.joinedReplies()).as(bh.trace()).anyMatch(r -> r.startsWith("451 192.0.2.10 is not yet authorized"));
            s.clock.advance(DELAY.plusSeconds(1));
            bh = s.exim.bh("192.0.2.10", dialogue("alice@example.org", "carol@example.test"));
            assertThat(bh.trace()).contains("{--black $sender_host_address $recipients}");
            assertThat(bh.joinedReplies()).as(bh.trace()).anyMatch(r -> r.startsWith("250 OK id="))
                    .noneMatch(r -> r.startsWith("4") || r.startsWith("5"));
            row.passed("after the delay: RCPT 250, DATA 250; the DATA ACL's --black 192.0.2.10 carol@example.test answered false");
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

        /**
         * @param tcp the door on loopback TCP ({@code doors.greylistd.listen}, Exim asking
         *            {@code inet:127.0.0.1:PORT}) instead of the UNIX socket
         */
        private Setup(Path dir, String extraYaml, GreylistAcl form, boolean tcp, String... mailboxes) throws Exception {
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
                          greylistd: %s
                        %s""".formatted(data, dns.address().getPort(), DELAY.toSeconds(),
                        tcp ? "{listen: \"127.0.0.1:0\"}" : "{socket: " + socket + ", mode: \"0660\", group: Debian-exim}", extraYaml));
                warden = ServeCommand.start(ConfigLoader.load(yaml), new PrintStream(new ByteArrayOutputStream(), true), clock);
                try {
                    String name = tcp ? "inet:127.0.0.1:" + ((java.net.InetSocketAddress) warden.doors().greylistdAddresses().get(0)).getPort()
                            : socket.toString();
                    EximInstance.Builder b = EximInstance.in(dir).greylistd(form, name);
                    for (String m : mailboxes) b.mailbox(m);
                    exim = b.start();
                } catch (Exception | Error e) {
                    warden.close();
                    throw e;
                }
            } catch (Exception | Error e) {
                dns.close();
                throw e;
            }
        }

        static Setup start(Path dir, String extraYaml, GreylistAcl form, String... mailboxes) throws Exception {
            return new Setup(dir, extraYaml, form, false, mailboxes);
        }

        /** Warden's greylistd door on loopback TCP only. */
        static Setup tcp(Path dir, GreylistAcl form) throws Exception {
            return new Setup(dir, "", form, true);
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

    /** One case, run with each ACL form against a fresh Warden and Exim; it returns what was seen. */
    private interface FormCase {
        String run(Setup s, GreylistAcl form) throws Exception;
    }

    /** Runs {@code body} with the seed's and with Debian's ACL, each its own matrix row for {@code kase}. */
    private void forBothForms(String kase, String extraYaml, FormCase body) throws Exception {
        for (GreylistAcl form : List.of(GreylistAcl.SEED, GreylistAcl.DEBIAN)) {
            var row = InteropMatrix.row(EXIM, "Warden greylistd door, " + formName(form), kase);
            try (Setup s = Setup.start(Files.createDirectories(dir.resolve(form.name())), extraYaml, form)) {
                row.passed(body.run(s, form));
            }
        }
    }

    private static String formName(GreylistAcl form) {
        return form == GreylistAcl.SEED ? "seed ACL" : "Debian greylistd-setup-exim4 ACL";
    }

    /**
     * {@code exim -bh firstIp}: RCPT 451 with the seed's text; the clock moved past the delay;
     * {@code exim -bh retryIp}: the message accepted, nothing deferred or refused. Both runs, for
     * their traces.
     */
    private static EximInstance.Bh[] deferThenAccept(Setup s, String firstIp, String retryIp) throws Exception {
        EximInstance.Bh first = s.exim.bh(firstIp, dialogue("carol@example.org", "bob@example.test"));
        assertThat(first.joinedReplies()).as(first.trace())
                .contains("451 " + firstIp + SEED_TEXT.formatted("carol@example.org", "bob@example.test"));
        s.clock.advance(DELAY.plusSeconds(1));
        EximInstance.Bh retry = s.exim.bh(retryIp, dialogue("carol@example.org", "bob@example.test"));
        assertThat(retry.joinedReplies()).as(retry.trace()).contains("250 Accepted").anyMatch(r -> r.startsWith("250 OK id="))
                .noneMatch(r -> r.startsWith("4") || r.startsWith("5"));
        return new EximInstance.Bh[] {first, retry};
    }

    /** An SMTP dialogue for {@code exim -bh}: one message from {@code from} to {@code to}. */
    private static String[] dialogue(String from, String to) {
        return new String[] {"EHLO mail.sender.example", "MAIL FROM:<" + from + ">", "RCPT TO:<" + to + ">", "DATA",
                "From: <" + from + ">", "To: <" + to + ">", "Subject: exim -bh", "", "hello", ".", "QUIT"};
    }

    /**
     * swaks from {@code localIp} (any 127/8 address is ours) to Exim's daemon; its transcript and exit
     * status. {@code from} "<>" is the null sender. No input (swaks prompts for what it lacks), at
     * most 60 s.
     */
    private static String swaks(EximInstance exim, String localIp, String from, String to) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port", String.valueOf(exim.port()),
                "--local-interface", localIp, "--helo", "mail.sender.example", "--from", from, "--to", to, "--timeout", "30"));
        Path out = Files.createTempFile("swaks", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("swaks did not finish within 60 s:\n" + TestFiles.readOrEmpty(out));
            }
            return TestFiles.readOrEmpty(out) + "\nexit=" + p.exitValue();
        } finally {
            Files.deleteIfExists(out);
        }
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
