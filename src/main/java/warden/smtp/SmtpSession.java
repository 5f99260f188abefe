package warden.smtp;

import warden.mail.IpText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import warden.delivery.DeliveryReport;
import warden.delivery.InboundMessage;
import warden.delivery.Trace;
import warden.dns.ClientIdentity;
import warden.dsn.DsnParameter;
import warden.dsn.MessageDsn;
import warden.dsn.Notify;
import warden.dsn.RecipientDsn;
import warden.dsn.Ret;
import warden.mail.ClientText;
import warden.mail.MailPath;
import warden.mail.Reply;
import warden.message.HeaderBlock;
import warden.message.ReceivedMessage;
import warden.policy.Decision;
import warden.policy.PolicySession;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;
import warden.recipient.RecipientVerdict;
import warden.smtp.SessionState.Greeted;
import warden.smtp.SessionState.Helo;
import warden.smtp.SessionState.InTransaction;
import warden.smtp.SessionState.Transaction;
import warden.smtp.auth.AuthDialogue;
import warden.smtp.auth.AuthLogLine;
import warden.smtp.auth.AuthReplies;
import warden.smtp.auth.AuthServices;
import warden.smtp.auth.SaslExchange;
import warden.smtp.auth.SenderLogins;
import warden.submission.SubmissionFields;
import warden.tls.TlsConnection;
import warden.tls.TlsServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One SMTP conversation, as an explicit state machine: each command is checked (syntax and
 * sequencing), then put to the policy engine, then carried out.
 *
 * <h2>Standards</h2>
 * RFC 5321 (the dialogue, replies, limits 4.5.3, timeouts 4.5.3.2), RFC 1869/5321 EHLO,
 * RFC 2920 PIPELINING (replies in order, sent when the input is drained), RFC 1870 SIZE,
 * RFC 6152 8BITMIME, RFC 2034/3463 enhanced status codes, RFC 6531 SMTPUTF8, RFC 3461 DSN
 * (NOTIFY, ORCPT, RET, ENVID read by {@link DsnParameter}, carried in the envelope), RFC 3848
 * (ESMTP/ESMTPS/ESMTPA in Received), RFC 3207 STARTTLS (4.2: after the handshake everything
 * known from the client before it is forgotten), RFC 8314 (implicit TLS: the handshake before
 * the greeting), RFC 6409 (submission ports, see {@link ListenerSettings}).
 *
 * <p>The session knows no spam rules: every judgement is the {@link PolicySession}'s. It runs on
 * one (virtual) thread from {@link #run()} to the end of the connection, the TLS handshake
 * included. What a session knows of its client's security is {@link #tls()} (the handshake's
 * protocol, cipher and SNI name) and {@link #authenticated()} (the login, once AUTH succeeded);
 * its port's role is {@link #listener()}. It does not do CHUNKING, and does not advertise it.
 *
 * <p>STARTTLS and the CVE-2011-0411 class: whatever the client sent after {@code STARTTLS} and
 * before the handshake (a pipelined {@code RSET}, a forged transaction) is in the plaintext input
 * buffer, which is thrown away with the plaintext streams; the session starts again from no
 * greeting. Replies queued before the 220 are sent before it: they answer commands that came
 * before STARTTLS.
 */
public final class SmtpSession {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpSession.class);
    private static final int COMMAND_LINE_MAX = 512;
    /**
     * RFC 3461 section 4: the DSN parameters make MAIL (RET, ENVID) and RCPT (NOTIFY, ORCPT) lines
     * up to 500 characters longer than RFC 5321's 512; other commands keep the 512.
     */
    private static final int DSN_COMMAND_LINE_MAX = COMMAND_LINE_MAX + 500;
    private static final int TEXT_LINE_MAX = 1000;

    /** What the session is doing, for a graceful shutdown. */
    enum Phase { IDLE, BUSY, DATA, CLOSED }

    private final SmtpSettings settings;
    private final SessionServices services;
    private final Connection connection;
    private final ListenerSettings listener;
    /** Replaced, with {@link #out}, when TLS starts: the plaintext buffer goes with the old one. */
    private SmtpInput in;
    private volatile SmtpOutput out;
    /** The TLS under the session, once a handshake completed (or {@code simulate --tls} pretends one). */
    private Optional<TlsConnection> tls = Optional.empty();
    /** The login the client authenticated as (AUTH, RFC 4954); empty until it does. */
    private Optional<String> authenticatedUser = Optional.empty();

    private InetAddress clientAddress;
    private int clientPort;
    private InetAddress localAddress;
    private Optional<ClientIdentity> identity = Optional.empty();
    private boolean relayClient;
    /** The PROXY header named no client: the session is {@link #UNKNOWN_CLIENT}, with no trust. */
    private boolean clientUnknown;

    /** The client of a proxied connection whose PROXY header names none (never a relay client). */
    static final InetAddress UNKNOWN_CLIENT = warden.mail.Cidr.literal("0.0.0.0");
    private PolicySession policy;
    /** The mechanism of the successful AUTH, for the arrival line's {@code A=} (empty for {@code simulate --auth}). */
    private Optional<SaslExchange.Mechanism> authMechanism = Optional.empty();
    private SessionState state = new SessionState.Fresh();
    /** Header lines the connect stage earned (the client's address: they outlive STARTTLS). */
    private final Set<String> connectHeaders = new LinkedHashSet<>();
    /** Header lines the greeting earned (forgotten at STARTTLS with the greeting, RFC 3207 4.2). */
    private final Set<String> heloHeaders = new LinkedHashSet<>();
    private final Set<String> transactionHeaders = new LinkedHashSet<>();
    private int errors;
    private volatile Phase phase = Phase.BUSY;
    private volatile boolean shutdownRequested;
    private volatile Thread thread;

    /** The transport under a session: a socket, or standard input/output for {@code simulate}. */
    public interface Connection {
        java.io.InputStream input() throws IOException;
        java.io.OutputStream output() throws IOException;
        InetAddress clientAddress();
        int clientPort();
        InetAddress localAddress();
        /** Sets the read timeout (ignored where there is none). */
        default void readTimeout(java.time.Duration timeout) throws IOException {}
        /** Whether every reply is to be sent before the next read (a person or script reading along). */
        default boolean flushEveryReply() { return false; }
        /**
         * Admits the session's settled client (after any PROXY header) against per-client limits;
         * a reply means "refuse with this and close". Released when the connection closes.
         */
        default Optional<Reply> admit(InetAddress client, boolean relayClient) { return Optional.empty(); }
        /** Whether a PROXY protocol header must come first. */
        default boolean expectsProxyHeader() { return false; }
        /** What a PROXY header naming no client means on this connection's listener. */
        default warden.config.WardenConfig.ProxyUnknown proxyUnknown() {
            return warden.config.WardenConfig.ProxyUnknown.UNTRUSTED;
        }
        /** The listener's role and AUTH setting (port 25 for a connection of no listener). */
        default ListenerSettings listener() { return ListenerSettings.MX; }

        /**
         * Does the server side of a TLS handshake with {@code server} within {@code timeout};
         * from then on {@link #input()} and {@link #output()} are the TLS streams. The caller has
         * thrown away whatever plaintext it had buffered.
         *
         * @throws IOException if the handshake fails or times out; the connection is closed then
         */
        default TlsConnection startTls(TlsServer server, java.time.Duration timeout) throws IOException {
            throw new IOException("this connection cannot start TLS");
        }

        /** A login the session starts with, as if AUTH had succeeded ({@code simulate --auth USER}). */
        default Optional<String> simulatedLogin() { return Optional.empty(); }

        /** TLS in force from the start without a handshake of ours ({@code simulate --tls}). */
        default Optional<TlsConnection> encryptedFromStart() { return Optional.empty(); }

        /**
         * Ends the connection at once, under a write that does not return (nothing more is sent,
         * not even TLS's close_notify).
         */
        default void abort() { close(); }

        void close();
    }

    public SmtpSession(SmtpSettings settings, SessionServices services, Connection connection) throws IOException {
        this.settings = settings;
        this.services = services;
        this.connection = connection;
        this.listener = connection.listener();
        this.tls = connection.encryptedFromStart();
        this.in = new SmtpInput(connection.input());
        this.out = new SmtpOutput(connection.output(), connection::abort);
        this.clientAddress = connection.clientAddress();
        this.clientPort = connection.clientPort();
        this.localAddress = connection.localAddress();
    }

    public InetAddress clientAddress() {
        return clientAddress;
    }

    /** The TLS under the session: the handshake's protocol, cipher and SNI name; empty in plaintext. */
    public Optional<TlsConnection> tls() {
        return tls;
    }

    /** The login the client authenticated as (AUTH); empty until it does. */
    public Optional<String> authenticated() {
        return authenticatedUser;
    }

    /** The listener's role and AUTH setting. */
    public ListenerSettings listener() {
        return listener;
    }

    /**
     * Runs the whole conversation; returns when the connection is over. Never throws, not even an
     * {@link Error}: an OutOfMemoryError or StackOverflowError ends this session with 421, never
     * the server.
     */
    public void run() {
        thread = Thread.currentThread();
        try {
            converse();
        } catch (SocketTimeoutException e) {
            quietly(Replies.timeout(settings.hostname()));
            log("lost: timeout" + (phase == Phase.DATA ? " during DATA; message abandoned" : ""));
        } catch (InterruptedException e) {
            quietly(Replies.shuttingDown(settings.hostname()));
        } catch (IOException e) {
            if (out.abandoned()) log("lost: write timeout (client not reading replies)");
            else if (!shutdownRequested) LOG.debug("connection from [{}] ended: {}", IpText.of(clientAddress), e.toString());
            if (phase == Phase.DATA && !shutdownRequested && !out.abandoned()) lostDuringData(warden.log.Cause.of(e));
        } catch (Throwable e) {
            // Fail soft: the client gets 421, the administrator gets the stack trace in the log.
            try {
                LOG.error("session with [{}] failed", IpText.of(clientAddress), e);
                log("internal error: " + e);
            } catch (Throwable ignored) {
                // out of memory still: the 421 and the close below matter more
            }
            quietly(Replies.internalError(settings.hostname()));
        } finally {
            phase = Phase.CLOSED;
            try {
                if (!out.abandoned()) out.flush(); // a last refusal queued before closing still reaches the client
            } catch (Throwable ignored) {
                // the client is gone
            }
            connection.close();
        }
    }

    private void converse() throws IOException, InterruptedException {
        if (connection.expectsProxyHeader() && !readProxyHeader()) return;
        relayClient = !clientUnknown && settings.isRelayClient(clientAddress);
        Optional<Reply> refused = connection.admit(clientAddress, relayClient);
        if (refused.isPresent()) {
            // A TLS client would read a plaintext reply as a broken record: it is only closed.
            if (!listener.implicitTls() || tls.isPresent()) out.send(refused.get());
            log("refused connection: " + refused.get());
            return;
        }
        if (listener.implicitTls() && tls.isEmpty() && !handshake()) return;
        identity = lookupIdentity();
        services.observer().note("client [" + IpText.of(clientAddress) + "]" + (relayClient ? " (relay client)" : "")
                + identity.map(i -> ": PTR " + (i.ptrNames().isEmpty() ? "none" : String.join(" ", i.ptrNames()))
                        + i.confirmedName().map(n -> ", forward-confirmed " + n).orElse(", not forward-confirmed")
                        + (i.tempFail() ? " (DNS temporary failure)" : "")).orElse(""));
        policy = services.policy().open(clientAddress);
        authenticatedUser = connection.simulatedLogin();
        authenticatedUser.ifPresent(u -> services.observer().note("authenticated as " + AuthLogLine.user(u) + " (simulated)"));
        if (!decide(Stage.CONNECT, Optional.empty(), Optional.empty(), "connect")) return;
        // Anything the client sent during a connect delay is still buffered, so it counts too.
        if (!settings.bannerDelay().isZero() && talksBeforeBanner()) {
            if (!apply(policy.clientTalkedEarly(), Stage.CONNECT, "early talk")) return;
        }
        out.reply(Reply.of(220, "", settings.hostname() + " ESMTP Warden"));
        while (true) {
            String line = nextLine();
            if (line == null) return;
            if (!dispatch(line)) return;
            if (errors >= settings.limits().maxErrors()) {
                out.send(Replies.tooManyErrors(settings.hostname()));
                log("dropped: too many errors (" + errors + ")");
                return;
            }
        }
    }

    /**
     * Reads the PROXY header and takes the client it names. A header that names none (v1
     * {@code UNKNOWN}, v2 {@code LOCAL}) leaves the proxy's own address and its relay trust
     * behind: the client is {@link #UNKNOWN_CLIENT}, never a relay client, or the connection is
     * closed ({@code proxy_unknown: close}). False when the connection is to be closed.
     */
    private boolean readProxyHeader() throws IOException {
        connection.readTimeout(settings.limits().commandTimeout());
        // On an implicit-TLS port the client's handshake follows the header at once: it stays in the socket.
        if (listener.implicitTls()) in.readNoMoreThanAsked();
        if (in.peek(1).length == 0) return false; // the proxy closed without a byte (a health check)
        Optional<warden.smtp.proxy.ProxyHeader.Addresses> addresses;
        try {
            addresses = warden.smtp.proxy.ProxyHeader.read(in);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            // Closed without a word, as the spec asks; but the administrator learns why (a proxy
            // without send-proxy, a v1/v2 mismatch).
            log("bad PROXY header from a trusted proxy, connection closed: " + e.getMessage());
            return false;
        }
        if (addresses.isPresent()) {
            clientAddress = warden.mail.Cidr.unmap(addresses.get().client().getAddress());
            clientPort = addresses.get().client().getPort();
            localAddress = addresses.get().server().getAddress();
            return true;
        }
        if (connection.proxyUnknown() == warden.config.WardenConfig.ProxyUnknown.CLOSE) {
            LOG.debug("PROXY header from {} names no client: closed (proxy_unknown: close)", IpText.of(clientAddress));
            return false;
        }
        LOG.debug("PROXY header from {} names no client: served as {}", clientAddress, IpText.of(UNKNOWN_CLIENT));
        clientAddress = UNKNOWN_CLIENT;
        clientPort = 0;
        clientUnknown = true;
        return true;
    }

    private Optional<ClientIdentity> lookupIdentity() {
        if (clientUnknown) return Optional.of(ClientIdentity.unknown(clientAddress));
        if (clientAddress.isLoopbackAddress()) {
            // RFC 6761 6.3: loopback is "localhost" by definition; no DNS is asked.
            return Optional.of(new ClientIdentity(clientAddress, List.of("localhost"), Optional.of("localhost"), false));
        }
        return services.resolver().map(r -> ClientIdentity.lookup(r, clientAddress));
    }

    /**
     * Holds the banner back for the banner delay, watching the socket: a client that sends
     * anything meanwhile is an early talker (RFC 5321 4.3.1; postscreen's pregreet test).
     */
    private boolean talksBeforeBanner() throws IOException {
        connection.readTimeout(settings.bannerDelay());
        try {
            if (in.peek(1).length == 0) return false; // closed without a word
            services.observer().note("client talked before the banner");
            log("early talker: sent data before the greeting");
            return true;
        } catch (SocketTimeoutException e) {
            return false; // the expected case: silence until the banner
        }
    }

    /**
     * Reads the next command line, flushing replies first if the client is waiting for them, or
     * if so many are waiting that reading on would only buffer more: then the session reads
     * nothing until the client takes its replies (a write it does not take within
     * {@code command_timeout} ends the session, see {@link WriteWatchdog}).
     */
    private String nextLine() throws IOException, InterruptedException {
        if (connection.flushEveryReply() || !in.hasPendingInput() || out.full()) out.flush();
        out.lock().lock();
        try {
            if (shutdownRequested) {
                out.reply(Replies.shuttingDown(settings.hostname()));
                out.flush();
                return null;
            }
            phase = Phase.IDLE;
        } finally {
            out.lock().unlock();
        }
        connection.readTimeout(settings.limits().commandTimeout());
        // RFC 4954 4: AUTH lines may be 12 288 octets; each command's own limit is checked in dispatch
        String line = in.readLine(SaslExchange.LINE_MAX);
        phase = Phase.BUSY;
        if (Thread.interrupted()) throw new InterruptedException();
        return line;
    }

    /** Handles one command line; false when the connection is to be closed. */
    private boolean dispatch(String line) throws IOException, InterruptedException {
        if (line == SmtpInput.TOO_LONG) {
            boolean auth = in.tooLongStart().regionMatches(true, 0, "AUTH ", 0, 5);
            return error(auth ? AuthReplies.LINE_TOO_LONG : Replies.LINE_TOO_LONG);
        }
        if (line == SmtpInput.NOT_UTF8) return error(Replies.NOT_UTF8);
        Command c = Command.parse(line);
        int max = c.verb() == Verb.AUTH ? SaslExchange.LINE_MAX
                : c.verb() == Verb.MAIL || c.verb() == Verb.RCPT ? DSN_COMMAND_LINE_MAX : COMMAND_LINE_MAX;
        if (octets(line, max) > max) return error(Replies.LINE_TOO_LONG);
        if (c.verb() == null) return error(Replies.UNKNOWN_COMMAND);
        return switch (c.verb()) {
            case HELO, EHLO -> helo(c);
            case MAIL -> mail(c.argument());
            case RCPT -> rcpt(c.argument());
            case DATA -> data(c.argument());
            case RSET -> rset(c.argument());
            case NOOP -> reply(Replies.OK);
            case QUIT -> {
                out.send(Replies.BYE);
                yield false;
            }
            case VRFY -> c.argument().isEmpty() ? error(Replies.VRFY_SYNTAX) : reply(Replies.CANNOT_VRFY);
            case HELP -> reply(Replies.HELP);
            case BDAT -> refuseMessageCommand(Replies.NOT_IMPLEMENTED);
            case STARTTLS -> startTls(c.argument());
            case AUTH -> auth(c.argument());
            case EXPN, ETRN, TURN -> error(Replies.NOT_IMPLEMENTED);
        };
    }

    // ---------------------------------------------------------------- HELO / EHLO

    private boolean helo(Command c) throws IOException, InterruptedException {
        String verb = c.verb().name();
        String name = c.argument();
        // RFC 5321 4.1.4: a new greeting ends any transaction, like RSET; a refused one changes nothing.
        Helo helo = new Helo(verb, name);
        SessionState previous = state;
        List<String> previousHeaders = List.copyOf(transactionHeaders);
        enter(new Greeted(helo));
        transactionHeaders.clear();
        if (!decide(Stage.HELO, Optional.empty(), Optional.empty(), verb + " " + name)) {
            enter(refused(previous, helo));
            transactionHeaders.addAll(previousHeaders);
            return !closing;
        }
        if (name.isEmpty()) {
            enter(refused(previous, helo));
            transactionHeaders.addAll(previousHeaders);
            return error(Replies.HELO_SYNTAX);
        }
        String greeting = settings.hostname() + " Hello " + ClientText.ascii(name, 100) + " "
                + identity.flatMap(ClientIdentity::displayName).map(n -> n + " ").orElse("")
                + "[" + IpText.of(clientAddress) + "]";
        if (!helo.esmtp()) return reply(Reply.of(250, "", greeting));
        List<String> lines = new ArrayList<>(List.of(
                greeting,
                "PIPELINING",
                "SIZE " + settings.limits().messageSize(),
                "8BITMIME"));
        if (startTlsOffered()) lines.add("STARTTLS");
        authAdvertisement().ifPresent(lines::add);
        lines.addAll(List.of("ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8", "HELP"));
        out.reply(new Reply(250, "", lines));
        return true;
    }

    /** RFC 3207 4.2: STARTTLS is offered while there is a TLS server and the session is not in TLS yet. */
    private boolean startTlsOffered() {
        return services.tls().isPresent() && tls.isEmpty();
    }

    // ---------------------------------------------------------------- STARTTLS

    /**
     * STARTTLS (RFC 3207): 220, the handshake, then the session starts again from no greeting.
     * A handshake that fails or times out ends the connection (logged once). Not in a
     * transaction (as Postfix: the envelope would be half plaintext, half TLS).
     */
    private boolean startTls(String argument) throws IOException {
        if (tls.isPresent()) return error(Replies.TLS_ALREADY_ACTIVE);
        if (services.tls().isEmpty()) return error(Replies.NOT_IMPLEMENTED);
        if (!argument.isEmpty()) return error(Replies.STARTTLS_SYNTAX);
        if (state instanceof InTransaction) return error(Replies.TLS_IN_TRANSACTION);
        out.send(Replies.READY_TO_START_TLS);
        if (!handshake()) return false;
        // RFC 3207 4.2: "The server MUST discard any knowledge obtained from the client, such as
        // the argument to the EHLO command, which was not obtained from the TLS negotiation itself."
        enter(new SessionState.Fresh());
        heloHeaders.clear();
        transactionHeaders.clear();
        authenticatedUser = Optional.empty();
        policy.tlsStarted();
        return true;
    }

    /**
     * The server side of the handshake, on this session's thread, within
     * {@link SmtpSettings#tlsHandshakeTimeout()}. The plaintext input buffer and output are
     * replaced by the TLS ones: anything the client sent before the handshake is gone. False
     * (logged) when the handshake failed and the connection is to be closed.
     */
    private boolean handshake() throws IOException {
        Optional<TlsServer> server = services.tls();
        if (server.isEmpty()) {
            log("TLS required on this port (" + listener.role().name().toLowerCase(Locale.ROOT)
                    + ") but no certificate is configured: connection closed");
            return false;
        }
        out.flush();
        java.time.Duration timeout = settings.tlsHandshakeTimeout();
        java.io.InputStream plainInput = connection.input();
        TlsConnection done;
        try {
            done = connection.startTls(server.get(), timeout);
        } catch (SocketTimeoutException e) {
            log("TLS handshake timed out after " + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms")
                    + ": connection closed");
            return false;
        } catch (IOException e) {
            if (shutdownRequested) throw e;
            log("TLS handshake failed: " + warden.log.Cause.of(e).replaceFirst("^TLS handshake failed: ", "")
                    + ": connection closed");
            return false;
        }
        if (connection.input() != plainInput) {
            // New streams, new buffers: what the client sent before the handshake is gone with the old ones.
            in = new SmtpInput(connection.input());
            out = new SmtpOutput(connection.output(), connection::abort);
        } // else a simulated handshake (standard input holds the client's whole script, read on as if under TLS)
        tls = Optional.of(done);
        LOG.debug("[{}] TLS started: {}", IpText.of(clientAddress), done.describe());
        return true;
    }

    // ---------------------------------------------------------------- AUTH

    /**
     * The keyword line EHLO advertises for AUTH ({@code AUTH PLAIN LOGIN}, RFC 4954 section 3),
     * when it is offered here: a credential backend is configured and {@link ListenerSettings#authAllowed}.
     */
    private Optional<String> authAdvertisement() {
        return services.auth().offered() && listener.authAllowed(tls.isPresent())
                ? Optional.of(SaslExchange.ADVERTISED) : Optional.empty();
    }

    /**
     * AUTH (RFC 4954 4): the sequencing here, the exchange in {@link AuthDialogue}. A failed
     * attempt's delay is a sleep on this virtual thread, with the replies before it sent first.
     */
    private boolean auth(String argument) throws IOException, InterruptedException {
        AuthServices auth = services.auth();
        if (!auth.offered()) return error(AuthReplies.NOT_OFFERED);
        if (state instanceof SessionState.Fresh) return error(AuthReplies.NEED_EHLO);
        if (authenticatedUser.isPresent()) return error(AuthReplies.ALREADY_AUTHENTICATED);
        if (state instanceof InTransaction) return error(AuthReplies.IN_TRANSACTION);
        if (!listener.authAllowed(tls.isPresent())) return error(AuthReplies.ENCRYPTION_REQUIRED);
        AuthDialogue dialogue = new AuthDialogue(auth.authenticator().orElseThrow(), auth.throttle(), this::authPause,
                settings.hostname(), this::log, services.observer()::note);
        AuthDialogue.Outcome outcome = dialogue.run(argument, clientAddress, new AuthDialogue.Lines() {
            @Override
            public String read() throws IOException {
                connection.readTimeout(settings.limits().commandTimeout());
                return in.readLine(SaslExchange.LINE_MAX);
            }

            @Override
            public void challenge(Reply reply) throws IOException {
                out.reply(reply);
                out.flush(); // the client waits for it
            }
        });
        return switch (outcome) {
            case AuthDialogue.Authenticated a -> {
                authenticatedUser = Optional.of(a.user());
                authMechanism = Optional.of(a.mechanism());
                yield reply(a.reply());
            }
            case AuthDialogue.Answered a -> a.protocolError() ? error(a.reply()) : reply(a.reply());
            case AuthDialogue.Close c -> {
                out.send(c.reply());
                yield false;
            }
            case AuthDialogue.Gone g -> false;
        };
    }

    /** A failed AUTH's penalty: what was answered before goes out, then the session sleeps (a shutdown may end it). */
    private void authPause(java.time.Duration delay) throws InterruptedException {
        try {
            out.flush();
        } catch (IOException e) {
            return; // the client is gone: the next write ends the session
        }
        phase = Phase.IDLE;
        services.pause().pause(delay);
        phase = Phase.BUSY;
    }

    /**
     * The state after refusing {@code tried}: the one before it, a transaction in progress
     * included (RFC 5321 4.1.4: the server "MUST stay in the same state after transmitting these
     * replies that it was in before the EHLO was received"); a session with no greeting yet
     * remembers that the client did try one (see {@link SessionState.Fresh}).
     */
    private static SessionState refused(SessionState previous, Helo tried) {
        return previous instanceof SessionState.Fresh ? new SessionState.Fresh(Optional.of(tried)) : previous;
    }

    // ---------------------------------------------------------------- MAIL

    private boolean mail(String argument) throws IOException, InterruptedException {
        if (state instanceof SessionState.Fresh) {
            // The policy judges a missing greeting first (a delay, a sticky deny); the protocol says 503.
            if (!decide(Stage.MAIL, Optional.empty(), Optional.empty(), "MAIL " + argument)) return !closing;
            return error(Replies.NEED_HELO);
        }
        if (state instanceof InTransaction) return error(Replies.NESTED_MAIL);
        // RFC 6409 4.3 and RFC 4954 6: a submission port takes mail from authenticated users only
        if (listener.submission() && authenticatedUser.isEmpty()) return refuse(AuthReplies.AUTHENTICATION_REQUIRED, "MAIL " + argument);
        Helo helo = ((Greeted) state).helo();
        Optional<PathAndParams> parsed = pathAndParams(argument, "FROM:");
        if (parsed.isEmpty()) return error(Replies.MAIL_SYNTAX);
        boolean smtputf8 = false;
        long size = 0;
        String sizeParam = null; // as the client wrote it, for the log
        Ret ret = null;
        String envid = null;
        for (String param : parsed.get().params()) {
            if (!helo.esmtp()) return error(Replies.UNKNOWN_PARAMETER);
            String key = param.contains("=") ? param.substring(0, param.indexOf('=')).toUpperCase(Locale.ROOT) : param.toUpperCase(Locale.ROOT);
            String value = param.contains("=") ? param.substring(param.indexOf('=') + 1) : null;
            switch (key) {
                case "SIZE" -> {
                    // RFC 1870: size-value ::= 1*20DIGIT; one beyond a long is simply too big (552 below).
                    if (value == null || !value.matches("\\d{1,20}")) return error(Replies.MAIL_SYNTAX);
                    size = new java.math.BigInteger(value).min(java.math.BigInteger.valueOf(Long.MAX_VALUE)).longValue();
                    sizeParam = value;
                }
                case "BODY" -> {
                    if (value == null || !(value.equalsIgnoreCase("7BIT") || value.equalsIgnoreCase("8BITMIME"))) {
                        return error(Replies.BAD_BODY);
                    }
                }
                case "SMTPUTF8" -> {
                    if (value != null) return error(Replies.MAIL_SYNTAX);
                    smtputf8 = true;
                }
                case "AUTH" -> { /* RFC 4954 5: accepted and ignored from an unauthenticated client */ }
                case "RET", "ENVID" -> {
                    if (key.equals("RET") ? ret != null : envid != null) return error(Replies.duplicateParameter(key));
                    try {
                        if (key.equals("RET")) ret = DsnParameter.ret(value);
                        else envid = DsnParameter.envid(value);
                    } catch (DsnParameter.Invalid e) {
                        return error(Replies.badParameter(e.getMessage()));
                    }
                }
                default -> {
                    return error(Replies.UNKNOWN_PARAMETER);
                }
            }
        }
        MailPath from;
        try {
            from = MailPath.parse(parsed.get().path(), smtputf8);
        } catch (MailPath.NonAsciiException e) {
            return refuse(Replies.NON_ASCII_ADDRESS, "MAIL " + parsed.get().path());
        } catch (IllegalArgumentException e) {
            return error(Replies.BAD_SENDER);
        }
        // RFC 5321 4.1.1.3: the bare <postmaster> is a forward-path only (4.5.1), never a reverse-path.
        if (!from.isNull() && from.domain().isEmpty()) return error(Replies.BAD_SENDER);
        // auth.sender_login (Postfix reject_sender_login_mismatch); relay_networks clients are not asked
        Optional<SenderLogins> owners = services.auth().senderLogins();
        if (owners.isPresent() && (authenticatedUser.isPresent() || !relayClient) && !owners.get().mayUse(authenticatedUser, from.address())) {
            return refuse(AuthReplies.senderNotOwned(from.address(), authenticatedUser), "MAIL " + from);
        }
        if (size > settings.limits().messageSize()) {
            return refuse(Replies.MESSAGE_TOO_BIG, "MAIL " + from + " SIZE=" + sizeParam);
        }
        Transaction tx = new Transaction(from.address(), smtputf8, size,
                new MessageDsn(Optional.ofNullable(ret), Optional.ofNullable(envid)));
        enter(new InTransaction(helo, tx));
        if (!decide(Stage.MAIL, Optional.empty(), Optional.empty(), "MAIL " + from)) {
            enter(new Greeted(helo));
            return !closing;
        }
        return reply(Replies.SENDER_OK);
    }

    // ---------------------------------------------------------------- RCPT

    private boolean rcpt(String argument) throws IOException, InterruptedException {
        if (!(state instanceof InTransaction t)) return error(Replies.NEED_MAIL);
        Optional<PathAndParams> parsed = pathAndParams(argument, "TO:");
        if (parsed.isEmpty()) return error(Replies.RCPT_SYNTAX);
        Set<Notify> notify = null;
        String orcpt = null;
        for (String param : parsed.get().params()) {
            if (!t.helo().esmtp()) return error(Replies.UNKNOWN_PARAMETER);
            int eq = param.indexOf('=');
            String key = (eq < 0 ? param : param.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : param.substring(eq + 1);
            try {
                switch (key) {
                    case "NOTIFY" -> {
                        if (notify != null) return error(Replies.duplicateParameter(key));
                        notify = DsnParameter.notify(value);
                    }
                    case "ORCPT" -> {
                        if (orcpt != null) return error(Replies.duplicateParameter(key));
                        orcpt = DsnParameter.orcpt(value);
                    }
                    default -> {
                        return error(Replies.UNKNOWN_PARAMETER);
                    }
                }
            } catch (DsnParameter.Invalid e) {
                return error(Replies.badParameter(e.getMessage()));
            }
        }
        RecipientDsn dsn = new RecipientDsn(notify == null ? Set.of() : notify, Optional.ofNullable(orcpt));
        MailPath to;
        try {
            to = MailPath.parse(parsed.get().path(), t.tx().smtputf8());
        } catch (MailPath.NonAsciiException e) {
            return refuse(Replies.NON_ASCII_ADDRESS, "RCPT " + parsed.get().path());
        } catch (IllegalArgumentException e) {
            return error(Replies.BAD_RECIPIENT);
        }
        if (to.isNull()) return error(Replies.NULL_RECIPIENT);
        if (t.tx().recipients().size() >= settings.limits().maxRecipients()) {
            return refuse(Replies.TOO_MANY_RECIPIENTS, "RCPT " + to);
        }
        // RFC 5321 4.5.1: a bare <postmaster> is our postmaster.
        String address = to.domain().isEmpty() ? "postmaster@" + settings.hostname() : to.address();
        // XXX recipient verification runs before the RCPT policy, so an unknown recipient is
        // refused without the policy's delay; the greylist never sees addresses that do not exist.
        RecipientVerdict verdict = services.recipients().verify(address, relayClient || authenticatedUser.isPresent());
        if (verdict instanceof RecipientVerdict.Refused r) {
            services.observer().note("recipient " + address + " refused: " + r.reason());
            return refuse(r.reply(), "RCPT <" + address + ">: " + r.reason());
        }
        RecipientVerdict.Accepted accepted = (RecipientVerdict.Accepted) verdict;
        services.observer().note("recipient " + address + " routes to " + accepted.routes());
        if (!decide(Stage.RCPT, Optional.of(address), Optional.empty(), "RCPT <" + address + ">")) return !closing;
        enter(new InTransaction(t.helo(), t.tx().withRecipient(address, accepted.routes(), dsn)));
        return reply(Replies.RECIPIENT_OK);
    }

    // ---------------------------------------------------------------- DATA

    private boolean data(String argument) throws IOException, InterruptedException {
        if (!(state instanceof InTransaction t)) return refuseMessageCommand(Replies.NEED_RCPT);
        if (!argument.isEmpty()) return refuseMessageCommand(Replies.NO_ARGUMENTS);
        if (t.tx().recipients().isEmpty()) return refuseMessageCommand(Replies.NO_VALID_RECIPIENTS);
        out.send(Replies.START_DATA);
        phase = Phase.DATA;
        connection.readTimeout(settings.limits().dataTimeout());
        // The content goes to a data file as it is read; readData removes it if the client is lost.
        SmtpInput.DataResult data = in.readData(services.store().dataFiles().writer(settings.limits().messageSize()),
                TEXT_LINE_MAX, settings.normalizeBareLineEndings());
        if (data == null) return lostDuringData("connection closed");
        // Whatever happens from here on (refusal, delivery, failure), the data file goes.
        try (ReceivedMessage message = data.message()) {
            enter(new Greeted(t.helo()));
            String what = "DATA from <" + t.tx().reversePath() + "> (" + data.size() + " octets)";
            if (data.tooBig()) return refuse(Replies.MESSAGE_TOO_BIG, what);
            if (data.longLine()) return refuse(Replies.DATA_LINE_TOO_LONG, what);
            if (data.bareLineEnding() && !settings.normalizeBareLineEndings()) return refuse(Replies.BARE_LINE_ENDING, what);
            if (message == null) {
                LOG.error("cannot store a message from [{}]", IpText.of(clientAddress), data.storageFailure());
                log(what + " not stored, client told to retry: " + data.storageFailure().getMessage());
                return reply(Replies.STORAGE_ERROR);
            }
            if (message.header().truncated()) {
                log(what + ": header section over " + HeaderBlock.MAX_LINES + " lines or " + HeaderBlock.MAX_OCTETS / 1024
                        + " KiB; the DATA checks read only its first " + message.header().lines() + " lines");
            }
            SessionState inData = new InTransaction(t.helo(), t.tx());
            SessionState saved = state;
            state = inData; // the DATA snapshot sees the envelope
            boolean go = decide(Stage.DATA, Optional.empty(), Optional.of(message), what);
            state = saved;
            if (!go) return !closing;
            return deliver(t, message);
        } finally {
            transactionHeaders.clear();
            phase = Phase.BUSY;
        }
    }

    /**
     * Refuses DATA (or BDAT, which is not offered) and, if the client did not wait for that
     * reply, closes the connection. RFC 2920 3.1: DATA is the last command of a group, and the
     * message text may follow only its 354; BDAT's chunk follows the command at once (RFC 3030).
     * Input already waiting here is therefore message text, and read as commands it would run
     * whatever SMTP the text quotes (a transcript, a forged {@code RCPT}/{@code DATA}) as a
     * transaction of this client's. As Postfix's {@code smtpd_forbid_unauth_pipelining}, the
     * session ends instead: 421 (RFC 5321 3.8) answers the first line of that text.
     */
    private boolean refuseMessageCommand(Reply refusal) throws IOException {
        error(refusal);
        if (!in.hasPendingInput()) return true;
        out.send(Replies.textAfterRefusedData(settings.hostname()));
        log("dropped: message text sent without waiting for the reply to DATA/BDAT (RFC 2920 3.1), which was " + refusal);
        return false;
    }

    private boolean deliver(InTransaction t, ReceivedMessage content) throws IOException {
        String id = TransactionId.next();
        Helo helo = t.helo();
        String protocol = Trace.protocol(helo.esmtp(), t.tx().smtputf8(), tls.isPresent(), authenticatedUser.isPresent());
        Trace trace = new Trace(helo.name(), clientAddress, identity.flatMap(ClientIdentity::displayName), protocol,
                settings.hostname(), id, ZonedDateTime.now(services.clock()), tls.map(SmtpSession::receivedComment),
                authenticatedUser.filter(u -> services.auth().showInReceived()));
        Set<String> earned = new LinkedHashSet<>(connectHeaders);
        earned.addAll(heloHeaders);
        List<String> headers = new ArrayList<>(earned);
        headers.addAll(transactionHeaders);
        // RFC 6409 8.2, 8.3: a submission port completes what a mail program left out; port 25 changes nothing
        if (listener.submission()) headers.addAll(SubmissionFields.missing(content.header(), trace.receivedAt(), settings.hostname()));
        InboundMessage message = new InboundMessage(t.tx().envelope(),
                t.tx().recipients(), trace, headers, content);
        DeliveryReport report;
        try {
            report = services.store().deliver(message);
        } catch (IOException | RuntimeException e) {
            LOG.error("delivery of {} failed", id, e);
            log(id + " == delivery failed, client told to retry: " + warden.log.Cause.of(e));
            return reply(Replies.STORAGE_ERROR);
        }
        logArrival(id, t.tx(), protocol, content.size(), report.copies().size());
        return reply(Replies.queued(id));
    }

    // ---------------------------------------------------------------- RSET

    private boolean rset(String argument) throws IOException {
        if (!argument.isEmpty()) return error(Replies.NO_ARGUMENTS);
        if (state instanceof InTransaction t) enter(new Greeted(t.helo()));
        transactionHeaders.clear();
        return reply(Replies.RESET);
    }

    // ---------------------------------------------------------------- policy

    private boolean closing;

    /**
     * Asks the policy engine about {@code stage}, serves the delay, remembers headers, and sends
     * the refusal if there is one. Returns true when the command may proceed.
     */
    private boolean decide(Stage stage, Optional<String> recipient, Optional<ReceivedMessage> message, String what)
            throws IOException, InterruptedException {
        Decision d;
        try {
            d = policy.decide(snapshot(stage, recipient, message));
        } catch (RuntimeException e) {
            LOG.error("policy failed at {} for [{}]", stage.label(), IpText.of(clientAddress), e);
            d = new Decision(new warden.policy.Verdict.Refuse(Replies.LOCAL_ERROR, false),
                    java.time.Duration.ZERO, List.of(), List.of());
        }
        return apply(d, stage, what);
    }

    /** Serves a decision: the delay, the headers, the refusal. True when the command may proceed. */
    private boolean apply(Decision d, Stage stage, String what) throws IOException, InterruptedException {
        services.observer().decided(stage, d);
        if (!d.delay().isZero()) {
            out.flush();
            phase = Phase.IDLE; // a tarpitted client may be told 421 by a shutdown
            services.pause().pause(d.delay());
            phase = Phase.BUSY;
        }
        (stage == Stage.CONNECT ? connectHeaders : stage == Stage.HELO ? heloHeaders : transactionHeaders).addAll(d.headers());
        Optional<Reply> refusal = d.refusal();
        if (refusal.isEmpty()) return true;
        if (d.disconnect()) {
            out.send(refusal.get());
            log("dropped " + what + ": " + refusal.get());
            closing = true;
            return false;
        }
        refuse(refusal.get(), what);
        return false;
    }

    private SessionSnapshot snapshot(Stage stage, Optional<String> recipient, Optional<ReceivedMessage> message) {
        Optional<Helo> helo = switch (state) {
            case SessionState.Fresh f -> f.refused();
            case Greeted g -> Optional.of(g.helo());
            case InTransaction t -> Optional.of(t.helo());
        };
        Optional<Transaction> tx = state instanceof InTransaction t ? Optional.of(t.tx()) : Optional.empty();
        return new SessionSnapshot(stage, clientAddress, clientPort, localAddress, identity,
                helo.map(Helo::verb), helo.map(Helo::name), authenticatedUser, tls.isPresent(), relayClient,
                tx.map(Transaction::reversePath), tx.map(Transaction::recipientList).orElse(List.of()),
                recipient, message);
    }

    // ---------------------------------------------------------------- replies

    private void enter(SessionState next) {
        if (LOG.isTraceEnabled()) LOG.trace("[{}] {} -> {}", IpText.of(clientAddress), state, next);
        state = next;
    }

    private boolean reply(Reply reply) {
        out.reply(reply);
        return true;
    }

    /** A protocol error: counted toward the error limit. */
    private boolean error(Reply reply) {
        errors++;
        out.reply(reply);
        return true;
    }

    /**
     * A refusal worth a log line. A permanent one counts toward the error limit; a 4xx does not:
     * it is Warden's own "not now" (452 4.5.3 over {@code max_recipients}, which RFC 5321
     * 4.5.3.1.10 tells the client to retry in a later transaction; a greylist or policy defer),
     * not a mistake of the client's, and closing the session on it would lose the transaction
     * on every retry.
     */
    private boolean refuse(Reply reply, String what) {
        log("rejected " + what + ": " + reply);
        if (reply.isTransient()) return reply(reply);
        return error(reply);
    }

    private String who() {
        String helo = switch (state) {
            case SessionState.Fresh f -> "";
            case Greeted g -> g.helo().name();
            case InTransaction t -> t.helo().name();
        };
        String name = identity.flatMap(ClientIdentity::displayName).map(n -> n + " ").orElse("");
        // A space in the HELO is escaped too: "EHLO a) [192.0.2.66] (b" would otherwise write a second,
        // forged "(helo) [ip]" that fail2ban's exim filter (H=... (\S+) [ip]) takes for the client.
        return "H=" + name + "(" + ClientText.ascii(helo, 100).replace(" ", "\\x20") + ") [" + IpText.of(clientAddress) + "]";
    }

    /**
     * A main-log line about this session: always {@code H=... [ip]} first (fail2ban and the like
     * find the address there, whatever the event says), then the sender in a transaction. The
     * event's client text (HELO, addresses, arguments) is escaped ({@link ClientText}).
     */
    private void log(String event) {
        String sender = state instanceof InTransaction t ? " F=<" + ClientText.escape(t.tx().reversePath()) + ">" : "";
        services.log().log(who() + tlsFields() + sender + " " + ClientText.escape(event));
    }

    /**
     * The arrival line, in Exim's order:
     * {@code <id> <= <sender> H=name (helo) [ip] P=esmtp S=<size> for <recipients> (<n> copies)}.
     */
    private void logArrival(String id, Transaction tx, String protocol, long size, int copies) {
        services.log().log(id + " <= <" + ClientText.escape(tx.reversePath()) + "> " + who()
                + " P=" + Trace.logName(protocol) + tlsFields() + authField() + " S=" + size
                + " for " + ClientText.escape(String.join(" ", tx.recipientList())) + " (" + copies + " copies)");
    }

    /**
     * The TLS fields of a main-log line, as Exim's {@code +tls_cipher +tls_sni} write them:
     * {@code  X=TLS1.3:TLS_AES_256_GCM_SHA384:256 SNI=mx.example.org} (the SNI name is the
     * client's text, escaped); empty without TLS.
     */
    private String tlsFields() {
        if (tls.isEmpty()) return "";
        TlsConnection t = tls.get();
        String x = t.bits() > 0 ? t.describe() : t.protocol().replace("TLSv", "TLS") + ":" + t.cipher();
        return " X=" + ClientText.ascii(x, 100).replace(" ", "\\x20")
                + t.sni().map(n -> " SNI=" + ClientText.ascii(n, 255).replace(" ", "\\x20")).orElse("");
    }

    /**
     * The arrival line's authentication field, as Exim's {@code A=}: {@code A=plain:alice} (the
     * mechanism in lower case, the login escaped to one word); empty without AUTH.
     */
    private String authField() {
        return authenticatedUser.map(u -> " A=" + authMechanism.map(SaslExchange.Mechanism::logName).orElse("simulated")
                + ":" + AuthLogLine.user(u)).orElse("");
    }

    /** The TLS comment of {@code Received:}, as Postfix writes it: {@code TLSv1.3 with cipher X (256/256 bits)}. */
    static String receivedComment(TlsConnection t) {
        return t.protocol() + " with cipher " + t.cipher() + (t.bits() > 0 ? " (" + t.bits() + "/" + t.bits() + " bits)" : "");
    }

    private void quietly(Reply reply) {
        try {
            if (!out.abandoned()) out.send(reply);
        } catch (Throwable ignored) {
            // the client is gone (or we are out of memory): nothing to tell
        }
    }

    // ---------------------------------------------------------------- lost sessions (main log)

    /** The main log's line for a client gone in the middle of DATA: the message is abandoned, not delivered. */
    private boolean lostDuringData(String how) {
        log("lost during DATA: " + how + "; message abandoned");
        return false;
    }

    /** The main log's line for a session the shutdown grace ran out on (with its client and sender). */
    void noteCutAtShutdown(java.time.Duration grace) {
        log("lost: cut at shutdown, " + grace.toSeconds() + "s shutdown_grace over"
                + (phase == Phase.DATA ? " during DATA; message abandoned" : ""));
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * Asks the session to end for a graceful shutdown: an idle or tarpitted session is told 421
     * now; a session receiving DATA finishes its message first and is told 421 at its next command.
     *
     * <p>Returns at once: the 421 is written on a virtual thread of its own, because the client
     * may not be reading and the write may block (the session's own write may hold the output lock
     * for the same reason). {@link #forceClose()} at the end of the grace period ends either.
     */
    void shutdown() {
        shutdownRequested = true;
        if (phase == Phase.IDLE && sayingGoodbye.compareAndSet(false, true)) {
            Thread.ofVirtual().name("smtp-goodbye-" + clientPort).start(this::sayGoodbye);
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean sayingGoodbye = new java.util.concurrent.atomic.AtomicBoolean();

    /** The 421 of {@link #shutdown()} to a session that is idle (decided under the output lock). */
    private void sayGoodbye() {
        out.lock().lock();
        try {
            if (phase != Phase.IDLE) {
                sayingGoodbye.set(false); // busy again: it sees shutdownRequested at its next command
                return;
            }
            out.reply(Replies.shuttingDown(settings.hostname()));
            try {
                out.flush();
            } catch (IOException ignored) {
                // already gone
            }
            connection.close();
            Thread t = thread;
            if (t != null) t.interrupt();
        } finally {
            out.lock().unlock();
        }
    }

    /** The session's reply output (for the server's write deadline). */
    SmtpOutput output() {
        return out;
    }

    /** Ends the connection now, whatever the session is doing (after the grace period). */
    void forceClose() {
        shutdownRequested = true;
        connection.abort();
        Thread t = thread;
        if (t != null) t.interrupt();
    }

    // ---------------------------------------------------------------- parsing

    private record PathAndParams(String path, List<String> params) {}

    /**
     * Splits {@code FROM:<path> PARAM=VALUE ...}. Tolerates a space after the colon and a path
     * without brackets, as Postfix does by default; the path itself is checked strictly.
     */
    private static Optional<PathAndParams> pathAndParams(String argument, String keyword) {
        if (!argument.regionMatches(true, 0, keyword, 0, keyword.length())) return Optional.empty();
        String rest = argument.substring(keyword.length()).stripLeading();
        if (rest.isEmpty()) return Optional.empty();
        String path;
        String params;
        if (rest.charAt(0) == '<') {
            int close = closingBracket(rest);
            if (close < 0) return Optional.empty();
            path = rest.substring(0, close + 1);
            params = rest.substring(close + 1);
            if (!params.isEmpty() && params.charAt(0) != ' ') return Optional.empty();
        } else {
            int sp = rest.indexOf(' ');
            path = "<" + (sp < 0 ? rest : rest.substring(0, sp)) + ">";
            params = sp < 0 ? "" : rest.substring(sp);
        }
        List<String> list = params.isBlank() ? List.of() : List.of(params.strip().split(" +"));
        return Optional.of(new PathAndParams(path, list));
    }

    /** The length of {@code line} in UTF-8 octets with its CR, as {@link SmtpInput#readLine} counts against its limit. */
    private static int octets(String line, int max) {
        if (line.length() * 3 + 1 <= max) return line.length() + 1;
        return line.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
    }

    private static int closingBracket(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) { i++; continue; }
            if (c == '"') quoted = !quoted;
            else if (c == '>' && !quoted) return i;
        }
        return -1;
    }
}
