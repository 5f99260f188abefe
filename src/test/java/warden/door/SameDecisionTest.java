package warden.door;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import warden.cli.ServeCommand;
import warden.cli.SimulateCommand;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistState;
import warden.greylist.SqliteGreylistStore;
import warden.greylist.Triplet;
import warden.mail.Cidr;
import warden.testing.Dialogue;
import warden.testing.TestDnsServer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 10's "one engine": the same session through all four front doors gets the same decision.
 *
 * <p>One Warden is started as {@code serve} starts it (real sockets): the SMTP listener (with the
 * PROXY protocol, so that a loopback test can be any client address), the greylistd socket and
 * the Postfix policy port, its DNS a {@link TestDnsServer}, its greylist a SQLite file. The fourth
 * door, {@code simulate}, runs on the same configuration and store. Every row of {@link #ROWS} is
 * a session (client, HELO, sender, recipient, DNS answers, greylist state); each door is asked
 * about it as its protocol carries it: an SMTP dialogue to the end of DATA; the same dialogue
 * typed into {@code simulate}; {@code update CLIENT SENDER RECIPIENT} (or the DATA ACL's
 * {@code CLIENT RECIPIENT} for a bounce) on the greylistd socket; and RCPT, DATA and
 * END-OF-MESSAGE requests of one Postfix {@code instance}. What is compared: accept, defer or
 * deny, the reply's class and enhanced status code, and the headers Warden adds (greylistd's
 * protocol carries only white/grey/black, so for it the decision and class alone).
 *
 * <p>Fairness of the greylist: {@code simulate} only peeks (records nothing) while the other
 * three record. So before every door is asked, the row's triplet is put back in the row's state
 * (absent, or grey since 90 s with a 60 s delay) through {@link GreylistAdmin} on the same store:
 * each door sees the same store, and none sees what another door recorded.
 *
 * <p>The table is printed to standard output for the closing note.
 */
@Timeout(180)
class SameDecisionTest {

    @TempDir
    Path dir;

    enum Door { SMTP, SIMULATE, GREYLISTD, POSTFIX }

    /** The triplet's greylist state before each door is asked. */
    enum Seed { UNSEEN, GREY_FOR_90S }

    /**
     * One session.
     *
     * @param notApplicable doors whose protocol cannot carry this session, with the reason
     * @param sasl Postfix's {@code sasl_username} (the authenticated client)
     */
    record Row(String name, String client, String helo, String sender, String recipient, Seed seed,
               Expected expected, Map<Door, String> notApplicable, Optional<String> sasl) {}

    /** What every applicable door must answer. */
    record Expected(String decision, String codeClass, String enhanced, List<String> headers) {}

    /**
     * One door's answer.
     *
     * @param decision accept, defer or deny ({@code n/a} when the door cannot be asked)
     * @param codeClass 2, 4 or 5
     * @param enhanced the enhanced status code, {@code -} for none or when the door does not carry it
     * @param headers the headers Warden added ({@code X-Greylist}'s seconds as {@code N}); null when the door cannot carry them
     * @param raw what the door said, for the printed table
     */
    record Outcome(String decision, String codeClass, String enhanced, List<String> headers, String raw) {
        static Outcome notApplicable(String why) {
            return new Outcome("n/a", "-", "-", null, why);
        }

        boolean applicable() { return !decision.equals("n/a"); }

        String cell() {
            if (!applicable()) return "n/a";
            return decision + " " + codeClass + "xx" + (enhanced.equals("-") ? "" : " " + enhanced) + (headers == null ? "" : headers.isEmpty() ? "" : " +" + String.join(" +",
                    headers.stream().map(h -> h.substring(0, h.indexOf(':'))).toList()));
        }
    }

    static final String GREYLISTD_NO_HELO = "greylistd's protocol carries no HELO (Exim sends CLIENT SENDER RECIPIENT)";
    static final String GREYLISTD_NOT_ASKED = "Exim's greylistd ACL never asks for relay_from_hosts or authenticated clients";
    static final Expected GREYLISTED = new Expected("defer", "4", "4.7.1", List.of());

    static final List<Row> ROWS = List.of(
            new Row("good client, new triplet", "192.0.2.10", "mail.sender.test", "alice@sender.test", "bob@example.test",
                    Seed.UNSEEN, GREYLISTED, Map.of(), Optional.empty()),
            new Row("same triplet after the delay", "192.0.2.10", "mail.sender.test", "alice@sender.test", "bob@example.test",
                    Seed.GREY_FOR_90S, new Expected("accept", "2", "-", List.of("X-Greylist: delayed N seconds by Warden")),
                    Map.of(), Optional.empty()),
            new Row("DNSBL-listed client", "192.0.2.20", "mail2.sender.test", "carol@sender.test", "bob@example.test",
                    Seed.UNSEEN, new Expected("deny", "5", "5.7.1", List.of()), Map.of(), Optional.empty()),
            new Row("lightly listed client (weight 1 of 2), after the delay", "192.0.2.30", "mail3.sender.test", "gail@sender.test",
                    "bob@example.test", Seed.GREY_FOR_90S, new Expected("accept", "2", "-", List.of(
                            "X-DNSbl-Warning: 192.0.2.30 is blacklisted by warn.test", "X-Greylist: delayed N seconds by Warden")),
                    Map.of(), Optional.empty()),
            new Row("DNSWL-listed client", "192.0.2.40", "mail4.sender.test", "dave@sender.test", "bob@example.test",
                    Seed.UNSEEN, new Expected("accept", "2", "-", List.of()), Map.of(), Optional.empty()),
            new Row("bogus bounce to a never-send address", "192.0.2.10", "mail.sender.test", "", "sales@example.test",
                    Seed.UNSEEN, new Expected("deny", "5", "5.7.1", List.of()), Map.of(), Optional.empty()),
            new Row("relay (SMTP, simulate) / authenticated (Postfix) client", "198.18.0.5", "laptop.example.test",
                    "erin@example.test", "bob@example.test", Seed.UNSEEN, new Expected("accept", "2", "-", List.of()),
                    Map.of(Door.GREYLISTD, GREYLISTD_NOT_ASKED), Optional.of("erin")),
            new Row("forged HELO (our own host name)", "192.0.2.10", "mx.warden.test", "alice@sender.test", "bob@example.test",
                    Seed.UNSEEN, new Expected("deny", "5", "5.7.1", List.of()), Map.of(Door.GREYLISTD, GREYLISTD_NO_HELO), Optional.empty()),
            new Row("SERVFAIL on the client's PTR", "192.0.2.60", "mail6.sender.test", "frank@sender.test", "bob@example.test",
                    Seed.UNSEEN, GREYLISTED, Map.of(), Optional.empty()));

    private WardenConfig config;
    private ServeCommand.Running running;
    private final Clock clock = Clock.systemUTC();
    private int sessions;
    /** simulate's output per row: its findings show that each row tests what its name says. */
    private final Map<String, List<String>> transcripts = new LinkedHashMap<>();

    @Test
    void everySessionGetsTheSameDecisionThroughEveryDoor() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns(dns);
            config = ConfigLoader.load(config(dns));
            running = ServeCommand.start(config, new PrintStream(new ByteArrayOutputStream(), true), clock);
            Map<Row, Map<Door, Outcome>> table = new LinkedHashMap<>();
            try {
                for (Row row : ROWS) {
                    Map<Door, Outcome> answers = new EnumMap<>(Door.class);
                    for (Door door : Door.values()) {
                        String na = row.notApplicable().get(door);
                        if (na != null) {
                            answers.put(door, Outcome.notApplicable(na));
                            continue;
                        }
                        seed(row);
                        answers.put(door, switch (door) {
                            case SMTP -> smtp(row);
                            case SIMULATE -> simulate(row);
                            case GREYLISTD -> greylistd(row);
                            case POSTFIX -> postfix(row);
                        });
                    }
                    table.put(row, answers);
                }
            } finally {
                running.close();
            }
            print(table);
            for (Map.Entry<Row, Map<Door, Outcome>> e : table.entrySet()) {
                Row row = e.getKey();
                Expected x = row.expected();
                e.getValue().forEach((door, o) -> {
                    if (!o.applicable()) {
                        assertThat(row.notApplicable()).as(row.name() + " " + door).containsKey(door);
                        return;
                    }
                    String what = row.name() + " through " + door + ": " + o.raw();
                    assertThat(o.decision()).as(what).isEqualTo(x.decision());
                    assertThat(o.codeClass()).as(what).isEqualTo(x.codeClass());
                    if (door != Door.GREYLISTD) {
                        assertThat(o.enhanced()).as(what).isEqualTo(x.enhanced());
                        assertThat(o.headers()).as(what).isEqualTo(x.headers());
                    }
                });
            }
            // Each row is what its name says: simulate's findings name the cause.
            assertThat(transcripts.get("DNSWL-listed client")).anyMatch(l -> l.startsWith(">>> rcpt: greylist skip: whitelisted by wl.test"));
            assertThat(transcripts.get("SERVFAIL on the client's PTR")).anyMatch(l -> l.matches(">>> connect: client-\\S+ tempfail: .*"));
            assertThat(transcripts.get("forged HELO (our own host name)")).anyMatch(l -> l.startsWith(">>> helo: helo-our-hostname fail"));
            assertThat(transcripts.get("relay (SMTP, simulate) / authenticated (Postfix) client"))
                    .anyMatch(l -> l.startsWith(">>> rcpt: ") && l.contains(" skip: ") && l.contains("relay"))
                    .noneMatch(l -> l.startsWith(">>> rcpt: greylist fail"));
            // "Could not tell" is never a permanent refusal, through any door.
            table.entrySet().stream().filter(e -> e.getKey().name().startsWith("SERVFAIL"))
                    .flatMap(e -> e.getValue().values().stream())
                    .forEach(o -> assertThat(o.codeClass()).as(o.raw()).isNotEqualTo("5"));
        }
    }

    // ------------------------------------------------------------------ the world

    private static void dns(TestDnsServer dns) throws Exception {
        dns.ptr(Cidr.literal("192.0.2.10"), "mail.sender.test").a("mail.sender.test", "192.0.2.10")
           .ptr(Cidr.literal("192.0.2.20"), "mail2.sender.test").a("mail2.sender.test", "192.0.2.20")
           .a("20.2.0.192.bl.test", "127.0.0.2").txt("20.2.0.192.bl.test", "listed for testing")
           .ptr(Cidr.literal("192.0.2.30"), "mail3.sender.test").a("mail3.sender.test", "192.0.2.30")
           .a("30.2.0.192.warn.test", "127.0.0.2")
           .ptr(Cidr.literal("192.0.2.40"), "mail4.sender.test").a("mail4.sender.test", "192.0.2.40")
           .a("40.2.0.192.wl.test", "127.0.10.2")
           .servfail("60.2.0.192.in-addr.arpa").a("mail6.sender.test", "192.0.2.60")
           .a("laptop.example.test", "198.18.0.5");
    }

    private Path config(TestDnsServer dns) throws IOException {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "bob: bob@localhost\nsales: bob@localhost\npostmaster: bob@localhost\n");
        Path bounces = Files.createDirectories(dir.resolve("bounce-rcpts"));
        Files.writeString(bounces.resolve("example.test"), "bob\n"); // sales@ never sends mail: a bounce to it is bogus
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen:
                  - {address: "127.0.0.1:0", proxy_protocol: true}
                trusted_proxies: [127.0.0.1]
                relay_networks: ["198.18.0.0/24"]
                data_dir: %s
                virtual_domains: %s
                bounce_recipients: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s, retries: 0}
                policy: {max_delay: 0s}
                greylist: {delay: 60s}
                dnsbl:
                  lists: [bl.test*2, warn.test*1]
                dnswl:
                  lists: [wl.test]
                doors:
                  greylistd: {socket: %s}
                  postfix: {listen: ["127.0.0.1:0"]}
                """.formatted(dir.resolve("var"), virtual, bounces, dns.address().getPort(), dir.resolve("run/greylistd.sock")));
        return yaml;
    }

    /** Puts the row's triplet in the row's greylist state, on the store every door uses. */
    private void seed(Row row) {
        var settings = config.greylist().settings();
        try (GreylistAdmin admin = new GreylistAdmin(new SqliteGreylistStore(dir.resolve("var").resolve(SqliteGreylistStore.FILE_NAME),
                clock, Duration.ZERO), settings, clock)) {
            List<String> subject = List.of(row.client(), row.sender().isEmpty() ? Triplet.NULL_SENDER : row.sender(), row.recipient());
            admin.delete(subject);
            if (row.seed() == Seed.GREY_FOR_90S) {
                Instant first = clock.instant().minusSeconds(90).truncatedTo(ChronoUnit.MILLIS);
                admin.restore(admin.key(subject), new GreylistEntry(GreylistState.GREY, first, first, first.plus(settings.timeout()),
                        1, Duration.ZERO), true);
            }
        }
    }

    private String message(Row row, Door door) {
        return "From: <" + (row.sender().isEmpty() ? "mailer-daemon@sender.test" : row.sender()) + ">\r\n"
                + "Date: Thu, 03 Dec 2026 07:00:00 +0000\r\nTo: <" + row.recipient() + ">\r\n"
                + "Message-ID: <" + ++sessions + "@sender.test>\r\nSubject: " + row.name() + " via " + door + "\r\n\r\nHello\r\n.\r\n";
    }

    // ------------------------------------------------------------------ the four doors

    private static final Pattern REPLY = Pattern.compile("(\\d)(\\d\\d)[ -](?:(\\d\\.\\d{1,3}\\.\\d{1,3}) )?.*");

    /** An SMTP dialogue over a real socket, the client's address given by a PROXY header. */
    private Outcome smtp(Row row) throws Exception {
        InetSocketAddress server = running.server().boundAddresses().get(0);
        String subject = row.name() + " via " + Door.SMTP;
        try (Dialogue d = Dialogue.connect(server)) {
            d.raw("PROXY TCP4 " + row.client() + " 127.0.0.1 " + (40000 + sessions) + " 25\r\n");
            List<String> commands = List.of("EHLO " + row.helo(), "MAIL FROM:<" + row.sender() + ">", "RCPT TO:<" + row.recipient() + ">", "DATA");
            List<String> said = new ArrayList<>();
            String greeting = String.join(" / ", d.readReply());
            said.add(greeting);
            for (String command : commands) {
                d.send(command);
                List<String> reply = d.readReply();
                said.add(command.split(" ")[0] + " " + reply.getFirst());
                if (!reply.getFirst().startsWith("2") && !reply.getFirst().startsWith("3")) return refusal(reply.getFirst(), said);
            }
            List<String> reply = d.raw(message(row, Door.SMTP)).readReply();
            said.add("end of data " + reply.getFirst());
            if (!reply.getFirst().startsWith("2")) return refusal(reply.getFirst(), said);
            d.send("QUIT");
        }
        return new Outcome("accept", "2", "-", headers(delivered(subject)), "250 after DATA");
    }

    private static Outcome refusal(String reply, List<String> said) {
        Matcher m = REPLY.matcher(reply);
        if (!m.matches()) throw new AssertionError("not a reply: " + reply + " in " + said);
        return new Outcome(m.group(1).equals("4") ? "defer" : "deny", m.group(1), m.group(3) == null ? "-" : m.group(3),
                List.of(), String.join(" | ", said));
    }

    /** The delivered message whose subject is {@code subject}, waited for up to 10 s. */
    private String delivered(String subject) throws Exception {
        Path maildir = dir.resolve("var/mail/bob/Maildir/new");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(maildir)) {
                try (Stream<Path> files = Files.list(maildir)) {
                    for (Path f : files.toList()) {
                        String text = Files.readString(f);
                        if (text.contains("Subject: " + subject + "\r\n") || text.contains("Subject: " + subject + "\n")) return text;
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no message '" + subject + "' delivered to " + maildir);
    }

    /** Warden's headers in a message's header section, {@code X-Greylist}'s seconds as N. */
    private static List<String> headers(String message) {
        List<String> found = new ArrayList<>();
        for (String line : message.split("\r?\n")) {
            if (line.isEmpty()) break;
            if (line.startsWith("X-Greylist:") || line.startsWith("X-DNSbl-Warning:") || line.startsWith("X-Helo-Check:")) {
                found.add(normal(line));
            }
        }
        return found.stream().sorted().toList();
    }

    private static String normal(String header) {
        return header.startsWith("X-Greylist:") ? header.replaceFirst("delayed \\d+ seconds", "delayed N seconds") : header;
    }

    private static final Pattern SIMULATED = Pattern.compile(">>> (\\w+): (defer|deny|drop): (.*)");

    /** The same dialogue typed into {@code warden simulate CLIENT}. */
    private Outcome simulate(Row row) throws Exception {
        String script = "EHLO " + row.helo() + "\r\nMAIL FROM:<" + row.sender() + ">\r\nRCPT TO:<" + row.recipient() + ">\r\nDATA\r\n"
                + message(row, Door.SIMULATE) + "QUIT\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SimulateCommand.run(config, Cidr.literal(row.client()), new ByteArrayInputStream(script.getBytes(StandardCharsets.US_ASCII)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        transcripts.put(row.name(), lines);
        for (String line : lines) {
            Matcher m = SIMULATED.matcher(line);
            if (m.matches()) {
                Outcome o = refusal(m.group(3), List.of(line));
                return new Outcome(o.decision(), o.codeClass(), o.enhanced(), o.headers(), line);
            }
        }
        if (lines.stream().noneMatch(l -> l.startsWith(">>> message accepted"))) {
            throw new AssertionError("simulate neither refused nor accepted:\n" + String.join("\n", lines));
        }
        List<String> headers = lines.stream().filter(l -> l.startsWith(">>> header: ")).map(l -> l.substring(12))
                .filter(h -> h.startsWith("X-Greylist:") || h.startsWith("X-DNSbl-Warning:") || h.startsWith("X-Helo-Check:"))
                .map(SameDecisionTest::normal).sorted().toList();
        transcripts.put(row.name(), lines);
        return new Outcome("accept", "2", "-", headers, ">>> message accepted");
    }

    /** greylistd's {@code update} as Exim's ACL asks it, on the door's socket. */
    private Outcome greylistd(Row row) throws IOException {
        Path socket = (Path) running.doors().greylistdAddresses().getFirst();
        String request = "update " + row.client() + (row.sender().isEmpty() ? "" : " " + row.sender()) + " " + row.recipient();
        String answer;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
            ch.shutdownOutput();
            answer = new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.US_ASCII).strip();
        }
        return switch (answer) {
            // greylistd's protocol has no reply code: Exim's ACL defers grey and denies black with its own.
            case "white" -> new Outcome("accept", "2", "(white)", null, request + " -> white");
            case "grey" -> new Outcome("defer", "4", "(grey)", null, request + " -> grey");
            case "black" -> new Outcome("deny", "5", "(black)", null, request + " -> black");
            default -> throw new AssertionError("greylistd door answered '" + answer + "' to " + request);
        };
    }

    /** One Postfix {@code instance}: RCPT, then DATA and END-OF-MESSAGE while the answers let it go on. */
    private Outcome postfix(Row row) throws IOException {
        InetSocketAddress door = (InetSocketAddress) running.doors().postfixAddresses().getFirst();
        String instance = "a1b2." + ++sessions + ".0";
        List<String> headers = new ArrayList<>();
        List<String> said = new ArrayList<>();
        try (SocketChannel ch = SocketChannel.open(door)) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            for (String state : List.of("RCPT", "DATA", "END-OF-MESSAGE")) {
                String action = ask(in, out, request(row, state, instance));
                said.add(state + ": " + action);
                if (action.startsWith("PREPEND ")) {
                    headers.add(normal(action.substring(8)));
                } else if (!action.equals("DUNNO")) {
                    Matcher m = Pattern.compile("(DEFER_IF_PERMIT|DEFER|REJECT|421|521) (\\d\\.\\d{1,3}\\.\\d{1,3}) .*").matcher(action);
                    if (!m.matches()) throw new AssertionError("not an action Warden gives: " + action);
                    boolean permanent = m.group(1).equals("REJECT") || m.group(1).equals("521");
                    return new Outcome(permanent ? "deny" : "defer", permanent ? "5" : "4", m.group(2), List.of(), String.join("; ", said));
                }
            }
        }
        return new Outcome("accept", "2", "-", headers.stream().sorted().toList(), String.join("; ", said));
    }

    /** A request as Postfix 3.7's smtpd writes it for this row at {@code state}. */
    private Map<String, String> request(Row row, String state, String instance) {
        boolean confirmed = Set.of("192.0.2.10", "192.0.2.20", "192.0.2.30", "192.0.2.40").contains(row.client());
        String name = confirmed ? row.helo().equals("mx.warden.test") ? "mail.sender.test" : row.helo() : "unknown";
        Map<String, String> m = new LinkedHashMap<>();
        m.put("request", "smtpd_access_policy");
        m.put("protocol_state", state);
        m.put("protocol_name", "ESMTP");
        m.put("client_address", row.client());
        m.put("client_name", name);
        m.put("client_port", Integer.toString(40000 + sessions));
        m.put("reverse_client_name", name);
        m.put("server_address", "127.0.0.1");
        m.put("server_port", "25");
        m.put("helo_name", row.helo());
        m.put("sender", row.sender());
        m.put("recipient", row.recipient());
        m.put("recipient_count", state.equals("RCPT") ? "0" : "1");
        m.put("queue_id", "");
        m.put("instance", instance);
        m.put("size", "0");
        m.put("etrn_domain", "");
        m.put("sasl_method", row.sasl().isPresent() ? "PLAIN" : "");
        m.put("sasl_username", row.sasl().orElse(""));
        m.put("sasl_sender", "");
        m.put("encryption_protocol", "");
        m.put("policy_context", "");
        m.put("mail_version", "3.7.11");
        return m;
    }

    private static String ask(InputStream in, OutputStream out, Map<String, String> request) throws IOException {
        StringBuilder b = new StringBuilder();
        request.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        out.write(b.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        String action = line(in);
        String blank = line(in);
        if (action == null || !action.startsWith("action=") || !"".equals(blank)) {
            throw new IOException("not a policy answer: " + action + " / " + blank);
        }
        return action.substring("action=".length());
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') b.write(c);
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------ the table

    private static void print(Map<Row, Map<Door, Outcome>> table) {
        List<String> heads = List.of("session", "SMTP (serve)", "simulate", "greylistd socket", "Postfix policy");
        List<List<String>> cells = new ArrayList<>();
        table.forEach((row, answers) -> {
            List<String> line = new ArrayList<>(List.of(row.name()));
            for (Door d : Door.values()) line.add(answers.get(d).cell());
            cells.add(line);
        });
        int[] width = new int[heads.size()];
        for (int i = 0; i < width.length; i++) {
            int c = i;
            width[i] = Math.max(heads.get(i).length(), cells.stream().mapToInt(l -> l.get(c).length()).max().orElse(0));
        }
        StringBuilder b = new StringBuilder("\nSame decision through every door (decision, reply class, enhanced code, headers added):\n\n");
        b.append(tableLine(heads, width));
        b.append(tableLine(java.util.Arrays.stream(width).mapToObj("-"::repeat).toList(), width));
        cells.forEach(l -> b.append(tableLine(l, width)));
        b.append("\nWhat each door said:\n");
        table.forEach((row, answers) -> {
            b.append("  ").append(row.name()).append(":\n");
            answers.forEach((door, o) -> b.append("    ").append(door).append(": ").append(o.raw()).append('\n'));
        });
        System.out.print(b);
    }

    private static String tableLine(List<String> cells, int[] width) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < cells.size(); i++) b.append(' ').append(cells.get(i)).append(" ".repeat(width[i] - cells.get(i).length())).append(" |");
        return b.append('\n').toString();
    }
}
