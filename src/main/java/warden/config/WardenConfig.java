package warden.config;

import warden.mail.Cidr;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Warden's whole configuration as an immutable value; every field has a built-in default
 * ({@link #defaults()}), so Warden runs with no file at all.
 *
 * @param source the file it was read from, or {@code "(built-in defaults)"}
 * @param hostname our fully qualified host name: banner, Received headers, outbound HELO
 * @param listen where to accept SMTP connections
 * @param trustedProxies networks whose PROXY protocol headers are believed
 * @param dataDir where Warden keeps its state (logs, spool, stores, default mailboxes)
 * @param virtualDomains the directory of virtual-domain files (one file per domain)
 * @param localDomains extra domains whose local part maps straight to a mailbox of that name
 * @param relayNetworks clients that may relay to any domain (and skip the anti-spam checks)
 * @param mailbox the path template of a user's Maildir; {@code {user}} is replaced by the user name
 * @param mailboxModes the modes of Maildir files and directories Warden creates (0600/0700 by default)
 * @param limits protocol and resource limits
 * @param dns how to reach DNS
 * @param bareLineEndings what to do with bare CR or LF inside DATA
 * @param greylist greylisting: on or off, the rules, and where the triplets are kept
 * @param policy the SMTP-dialogue policy: mode, where refusals are given, per-check actions
 * @param dnsLists the DNS blacklists, their threshold, and the DNS whitelists
 * @param bounceRecipients the directory of per-domain bounce-recipient files, if any
 * @param maxReceivedHeaders how many Received: headers a message may arrive with (mail-loop)
 * @param localUsers the {@code local_users} file: mailbox names that clients outside
 *        {@code relay_networks} may send to before their Maildir exists, if any
 * @param outbound whether Warden delivers mail to other hosts over SMTP ({@code outbound}, true);
 *        when true, {@code hostname} must be a real FQDN (see {@link #outboundProblem()})
 * @param routes {@code routes:}: a recipient domain ({@code example.net}), its subdomains
 *        ({@code .example.net}) or {@code *} to the next hops tried in order, in file order
 * @param smarthost {@code smarthost:}: the relay for every remote domain no route names
 * @param smarthostCredentials {@code smarthost_credentials:}: a Debian exim4 {@code passwd.client} file
 * @param queue {@code queue.*}: retry backoff, lifetime, concurrency and delay warnings
 * @param tls {@code tls.*}: the server's certificates
 * @param auth {@code auth.*}: the credential backends and the submission duties
 * @param doors {@code doors.*}: the policy front doors for other MTAs (greylistd socket, Postfix policy)
 */
public record WardenConfig(
        String source,
        String hostname,
        List<Listener> listen,
        List<Cidr> trustedProxies,
        Path dataDir,
        Path virtualDomains,
        Set<String> localDomains,
        List<Cidr> relayNetworks,
        String mailbox,
        warden.durable.FileModes mailboxModes,
        Limits limits,
        Dns dns,
        BareLineEndings bareLineEndings,
        Greylisting greylist,
        Policy policy,
        DnsLists dnsLists,
        java.util.Optional<Path> bounceRecipients,
        int maxReceivedHeaders,
        java.util.Optional<Path> localUsers,
        boolean outbound,
        java.util.Map<String, List<warden.outbound.NextHop>> routes,
        java.util.Optional<warden.outbound.NextHop> smarthost,
        java.util.Optional<Path> smarthostCredentials,
        warden.queue.QueueSettings queue,
        Tls tls,
        Auth auth,
        Doors doors) {

    /** The {@link #source()} of a configuration read from no file. */
    public static final String BUILT_IN = "(built-in defaults)";

    public WardenConfig {
        var copy = new java.util.LinkedHashMap<String, List<warden.outbound.NextHop>>();
        routes.forEach((domain, hops) -> copy.put(domain, List.copyOf(hops)));
        routes = java.util.Collections.unmodifiableMap(copy);
        listen = List.copyOf(listen);
        trustedProxies = List.copyOf(trustedProxies);
        localDomains = Set.copyOf(localDomains);
        relayNetworks = List.copyOf(relayNetworks);
    }

    /** The configuration used when no file is given. */
    public static WardenConfig defaults() {
        return ConfigLoader.parse("", BUILT_IN);
    }

    /** Whether this configuration was read from a file (and not the built-in defaults). */
    public boolean fromFile() {
        return !BUILT_IN.equals(source);
    }

    /**
     * Why the queue must not deliver over SMTP now, with the fix; empty when it may. Present when
     * {@code outbound: false}, or when {@code hostname} is no name to greet the world with (not a
     * FQDN, {@code localhost}, {@code *.localdomain}, an IP address: receivers refuse such a HELO and
     * the CBL lists senders that use it, seeds 000 and 001). {@code config check} and {@code serve}
     * refuse the second case in a configuration file; it can only reach a running queue on the
     * built-in defaults ({@code ./warden serve} on a host whose name is not a FQDN), where the queue
     * keeps the mail and defers it with this reason.
     */
    public java.util.Optional<String> outboundProblem() {
        if (!outbound) return java.util.Optional.of("outbound delivery is off (outbound: false in " + source + ")");
        return warden.outbound.OutboundIdentity.problem(hostname).map(why -> "outbound delivery is held: " + why
                + (fromFile() ? "" : " (no configuration file: this is the system's name)")
                + " (fix: " + warden.outbound.OutboundIdentity.FIX + ")");
    }

    /** This configuration listening on {@code listeners} instead ({@code serve --listen}). */
    public WardenConfig withListen(List<Listener> listeners) {
        return new WardenConfig(source, hostname, listeners, trustedProxies, dataDir, virtualDomains, localDomains,
                relayNetworks, mailbox, mailboxModes, limits, dns, bareLineEndings, greylist, policy, dnsLists, bounceRecipients,
                maxReceivedHeaders, localUsers, outbound, routes, smarthost, smarthostCredentials, queue, tls, auth, doors);
    }

    /**
     * One listening socket.
     *
     * @param address where to listen
     * @param proxyProtocol whether a PROXY protocol header comes first (believed from trusted_proxies only)
     * @param proxyUnknown what a PROXY header that names no client ({@code UNKNOWN}, v2 {@code LOCAL}) means
     * @param role what the port is for: {@code mx} (25), {@code submission} (587) or {@code submissions} (465)
     * @param allowPlaintextAuth AUTH offered and accepted without TLS (the seed's
     *        {@code server_advertise_condition} turned off); false by default
     */
    public record Listener(InetSocketAddress address, boolean proxyProtocol, ProxyUnknown proxyUnknown, Role role,
                           boolean allowPlaintextAuth) {
        public Listener(InetSocketAddress address, boolean proxyProtocol) {
            this(address, proxyProtocol, ProxyUnknown.UNTRUSTED);
        }

        public Listener(InetSocketAddress address, boolean proxyProtocol, ProxyUnknown proxyUnknown) {
            this(address, proxyProtocol, proxyUnknown, Role.MX, false);
        }

        @Override
        public String toString() {
            return warden.mail.IpText.of(address.getAddress()) + ":" + address.getPort() + (proxyProtocol ? " (PROXY)" : "")
                    + (role == Role.MX ? "" : " (" + role.name().toLowerCase(java.util.Locale.ROOT) + ")");
        }
    }

    /**
     * What a listener is for.
     * <ul>
     * <li>{@code MX}: port 25, mail from the world; STARTTLS offered when {@code tls} is set, AUTH
     *     offered (inside TLS) when an {@code auth} backend is set; every check applies.</li>
     * <li>{@code SUBMISSION}: port 587 (RFC 6409): STARTTLS, then AUTH, required before MAIL;
     *     authenticated mail skips the client checks and may relay.</li>
     * <li>{@code SUBMISSIONS}: port 465 (RFC 8314): TLS from the first byte, then as submission.</li>
     * </ul>
     */
    public enum Role { MX, SUBMISSION, SUBMISSIONS }

    /**
     * {@code tls:}: the server's certificates, as certbot writes them.
     *
     * @param certificate {@code tls.certificate}, a PEM chain ({@code fullchain.pem})
     * @param key {@code tls.key}, its PEM private key ({@code privkey.pem}; RSA or EC, PKCS#1, SEC1 or PKCS#8)
     * @param certificates {@code tls.certificates}: more pairs, chosen by the name the client asks for (SNI)
     * @param protocols {@code tls.protocols}, default TLSv1.2 and TLSv1.3
     */
    public record Tls(java.util.Optional<Path> certificate, java.util.Optional<Path> key, List<CertificatePair> certificates,
                      List<String> protocols) {
        public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.2", "TLSv1.3");
        public static final Tls NONE = new Tls(java.util.Optional.empty(), java.util.Optional.empty(), List.of(), DEFAULT_PROTOCOLS);

        public Tls {
            certificates = List.copyOf(certificates);
            protocols = List.copyOf(protocols);
        }

        /** Whether any certificate is configured (STARTTLS can be offered). */
        public boolean configured() {
            return certificate.isPresent() || !certificates.isEmpty();
        }

        /** Every pair: {@code certificate}/{@code key} first (the default), then {@code certificates}. */
        public List<CertificatePair> pairs() {
            List<CertificatePair> all = new java.util.ArrayList<>();
            if (certificate.isPresent() && key.isPresent()) all.add(new CertificatePair(certificate.get(), key.get()));
            all.addAll(certificates);
            return List.copyOf(all);
        }
    }

    /** One certificate chain and its key (PEM files). */
    public record CertificatePair(Path certificate, Path key) {}

    /**
     * {@code auth:}: SMTP AUTH (RFC 4954) for clients that submit mail.
     *
     * @param passwdFile {@code auth.passwd_file}: Dovecot passwd-file format with hashed passwords
     * @param ldap {@code auth.ldap}: check passwords against a directory
     * @param senderLogin {@code auth.sender_login}: which logins may use which envelope senders
     *        ({@code address: user, user}), as Postfix's {@code smtpd_sender_login_maps}
     * @param maxFailures {@code auth.max_failures}: failed attempts from one client address within
     *        {@code failureWindow} before it gets 421
     * @param failureWindow {@code auth.failure_window}
     * @param showInReceived {@code auth.show_in_received}: the authenticated name in {@code Received:} (off by default)
     */
    public record Auth(java.util.Optional<Path> passwdFile, java.util.Optional<Ldap> ldap, java.util.Optional<Path> senderLogin,
                       int maxFailures, java.time.Duration failureWindow, boolean showInReceived) {
        public static final Auth NONE = new Auth(java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
                5, java.time.Duration.ofMinutes(15), false);

        /** Whether a credential backend is configured (AUTH can be offered). */
        public boolean configured() {
            return passwdFile.isPresent() || ldap.isPresent();
        }
    }

    /**
     * {@code auth.ldap:}: bind as a service account, search the user, bind as the entry found.
     *
     * @param url {@code auth.ldap.url}, {@code ldap://host:port} or {@code ldaps://...}
     * @param bindDn {@code auth.ldap.bind_dn}, the service account (anonymous search when absent)
     * @param bindPasswordFile {@code auth.ldap.bind_password_file}, its password (the first line)
     * @param base {@code auth.ldap.base}, where users are searched
     * @param filter {@code auth.ldap.filter} with {@code {user}} (escaped per RFC 4515), e.g.
     *        {@code (&(objectClass=mailUser)(uid={user}))}
     * @param timeout {@code auth.ldap.timeout}, for each operation (default 5 s); on expiry 454
     */
    public record Ldap(String url, java.util.Optional<String> bindDn, java.util.Optional<Path> bindPasswordFile, String base,
                       String filter, java.time.Duration timeout) {}

    /**
     * Protocol and resource limits.
     *
     * @param messageSize the largest message accepted (SIZE, RFC 1870)
     * @param maxRecipients recipients per message (more get 452 4.5.3)
     * @param maxErrors protocol errors before the connection is closed with 421
     * @param maxConnections simultaneous connections in all
     * @param maxConnectionsPerIp simultaneous connections from one client address
     * @param commandTimeout how long to wait for a command (RFC 5321 4.5.3.2: at least 5 minutes)
     * @param dataTimeout how long to wait for each block of DATA (RFC 5321 4.5.3.2.5: 3 minutes)
     * @param shutdownGrace how long a graceful shutdown waits for messages in DATA to finish
     */
    public record Limits(long messageSize, int maxRecipients, int maxErrors, int maxConnections,
                         int maxConnectionsPerIp, Duration commandTimeout, Duration dataTimeout,
                         Duration shutdownGrace) {}

    /**
     * @param servers DNS servers to ask; empty means the system resolver
     * @param timeout how long to wait for one answer
     * @param retries how often to ask again
     * @param cacheEntries how many answers to keep
     */
    public record Dns(List<InetSocketAddress> servers, Duration timeout, int retries, int cacheEntries) {
        public Dns {
            servers = List.copyOf(servers);
        }
    }

    /**
     * @param enabled whether mail is greylisted at all
     * @param settings delay, timeout, lifetime, network grouping, auto-whitelist, store-failure mode
     * @param store {@code sqlite} (a file under data_dir) or a {@code redis://host:port/db} URL
     */
    public record Greylisting(boolean enabled, warden.greylist.GreylistSettings settings, String store) {}

    /**
     * The policy keys, read as written; {@code warden.cli.Components} turns them into the engine's
     * {@link warden.policy.PolicySettings} once our own identity is known.
     *
     * @param mode enforce or report
     * @param rejectAt helo or rcpt
     * @param maxDelay the cap on any one delay
     * @param bannerDelay how long the banner is held back to catch early talkers (zero: not at all)
     * @param exemptAuthenticated authenticated clients skip the checks
     * @param exemptRelayClients relay_networks skip the checks
     * @param heloCheckHeader add an X-Helo-Check header for every finding
     * @param helodnscheck seed 003's HELO_DNS_CHECK flags, applied before {@code checks}, if given
     * @param whitelistHosts the whitelist-hosts file (IPs, CIDRs, {@code *.example.com} names)
     * @param checks per-check overrides: check name to its settings
     */
    public record Policy(warden.policy.PolicySettings.Mode mode, warden.policy.PolicySettings.RejectAt rejectAt,
                         Duration maxDelay, Duration bannerDelay, boolean exemptAuthenticated,
                         boolean exemptRelayClients, boolean heloCheckHeader, java.util.Optional<String> helodnscheck,
                         java.util.Optional<Path> whitelistHosts,
                         java.util.Map<String, warden.policy.CheckSettings> checks) {
        public Policy {
            checks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(checks));
        }

        /** The engine's settings for our identity {@code us}. */
        public warden.policy.PolicySettings settings(warden.policy.OwnIdentity us) {
            warden.policy.PolicySettings s = warden.policy.PolicySettings.defaults(us);
            if (helodnscheck.isPresent()) s = warden.policy.PolicySettings.off(us).withHelodnscheck(helodnscheck.get());
            s = s.withMode(mode).withRejectAt(rejectAt).withMaxDelay(maxDelay)
                    .withExemptAuthenticated(exemptAuthenticated).withExemptRelayClients(exemptRelayClients);
            if (heloCheckHeader) s = s.withHeloCheckHeader(true);
            if (whitelistHosts.isPresent()) s = s.withWhitelist(whitelistHosts.get());
            for (var e : checks.entrySet()) s = s.withCheck(e.getKey(), e.getValue());
            return s;
        }
    }

    /**
     * The {@code dnsbl:} and {@code dnswl:} settings.
     *
     * @param threshold the score at which a client is refused ({@code dnsbl.threshold})
     * @param blacklists {@code dnsbl.lists}, in order
     * @param whitelists {@code dnswl.lists}
     */
    public record DnsLists(int threshold, List<warden.policy.dnsbl.DnsList> blacklists,
                           List<warden.policy.dnsbl.DnsList> whitelists) {
        public DnsLists {
            blacklists = List.copyOf(blacklists);
            whitelists = List.copyOf(whitelists);
        }
    }

    /**
     * A PROXY header that names no client (v1 {@code UNKNOWN}, v2 {@code LOCAL}, an unsupported
     * family): serve the client as the placeholder address {@code 0.0.0.0}, which is never a
     * relay client, or close the connection. Never the proxy's own address and its trust.
     */
    public enum ProxyUnknown { UNTRUSTED, CLOSE }

    /** Bare CR or LF in DATA: refuse the message (550 5.6.0) or turn them into CRLF. */
    public enum BareLineEndings { REJECT, NORMALIZE }

    /**
     * {@code doors:}: the policy front doors for MTAs that keep their own SMTP server (seed 004's
     * Exim, Postfix). Each is off unless its section is present.
     *
     * @param greylistd {@code doors.greylistd}: greylistd's protocol, for Exim's {@code ${readsocket}}
     * @param postfix {@code doors.postfix}: Postfix's SMTPD access policy delegation protocol
     */
    public record Doors(java.util.Optional<GreylistdDoor> greylistd, java.util.Optional<PostfixDoor> postfix) {
        public static final Doors NONE = new Doors(java.util.Optional.empty(), java.util.Optional.empty());

        /** Whether any door is on. */
        public boolean any() {
            return greylistd.isPresent() || postfix.isPresent();
        }
    }

    /** Where a door listens: loopback TCP or a UNIX-domain socket. */
    public sealed interface DoorAddress permits DoorAddress.Tcp, DoorAddress.Unix {
        /** {@code 127.0.0.1:10023}, {@code [::1]:10023}. */
        record Tcp(InetSocketAddress address) implements DoorAddress {
            @Override
            public String toString() {
                return warden.mail.IpText.of(address.getAddress()).contains(":")
                        ? "[" + warden.mail.IpText.of(address.getAddress()) + "]:" + address.getPort()
                        : warden.mail.IpText.of(address.getAddress()) + ":" + address.getPort();
            }
        }

        /** {@code unix:/var/spool/postfix/private/warden}. */
        record Unix(Path path) implements DoorAddress {
            @Override
            public String toString() {
                return "unix:" + path;
            }
        }
    }

    /**
     * {@code doors.greylistd}: greylistd's one-request-per-connection protocol.
     *
     * @param socket {@code doors.greylistd.socket}, the UNIX socket (default
     *        {@value #DEFAULT_SOCKET} unless only {@code listen} is given)
     * @param listen {@code doors.greylistd.listen}, a loopback {@code "127.0.0.1:PORT"}
     * @param mode {@code doors.greylistd.mode}, the socket file's permission bits (default 0660, greylistd's)
     * @param group {@code doors.greylistd.group}, the socket file's group (e.g. {@code Debian-exim}), if set
     */
    public record GreylistdDoor(java.util.Optional<Path> socket, java.util.Optional<InetSocketAddress> listen, int mode,
                                java.util.Optional<String> group) {
        public static final String DEFAULT_SOCKET = "/var/run/greylistd/socket";
        public static final int DEFAULT_MODE = 0660;

        /** Every address this door listens on. */
        public List<DoorAddress> addresses() {
            List<DoorAddress> out = new java.util.ArrayList<>();
            socket.ifPresent(p -> out.add(new DoorAddress.Unix(p)));
            listen.ifPresent(a -> out.add(new DoorAddress.Tcp(a)));
            return List.copyOf(out);
        }
    }

    /**
     * {@code doors.postfix}: Postfix's SMTPD access policy delegation ({@code check_policy_service}).
     *
     * @param listen {@code doors.postfix.listen}: {@code "127.0.0.1:PORT"} and/or {@code "unix:PATH"}
     * @param answer {@code doors.postfix.answer}: the whole engine, or greylisting only (postgrey's job)
     * @param maxDelay {@code doors.postfix.max_delay}: the longest a policy answer is held back for
     *        a delay punishment (default 90 s, below Postfix's 100 s {@code smtpd_policy_service_timeout})
     */
    public record PostfixDoor(List<DoorAddress> listen, PolicyAnswer answer, java.time.Duration maxDelay) {
        public static final java.time.Duration DEFAULT_MAX_DELAY = java.time.Duration.ofSeconds(90);

        public PostfixDoor {
            listen = List.copyOf(listen);
        }
    }

    /** What the Postfix door answers: {@code engine} (every check) or {@code greylist} (greylisting only). */
    public enum PolicyAnswer { ENGINE, GREYLIST }
}
