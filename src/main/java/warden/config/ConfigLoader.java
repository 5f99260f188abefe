package warden.config;

import warden.mail.Cidr;
import warden.outbound.NextHop;
import warden.queue.QueueSettings;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads Warden's YAML configuration into a {@link WardenConfig}. Every key has a default written
 * here; unknown keys and bad values are collected (all of them, not just the first) and reported
 * with file, line and the fix.
 */
public final class ConfigLoader {

    static final String DEFAULT_LISTEN = "127.0.0.1:2525";
    /** {@code limits.message_size} bounds: below 1K is a mistake (a unit left out), above 2G an int overflows. */
    static final long MIN_MESSAGE_SIZE = 1L << 10, MAX_MESSAGE_SIZE = 2L << 30;

    private ConfigLoader() {}

    /** Loads {@code file}, or the built-in defaults when it is null. */
    public static WardenConfig load(Path file) {
        if (file == null) return WardenConfig.defaults();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(file.toString(), 0, "",
                    "cannot read the file: " + e.getMessage(), "check the path given to --config")));
        }
        return parse(text, file.toString());
    }

    /** Parses YAML text; {@code file} is used in error messages. */
    public static WardenConfig parse(String text, String file) {
        ConfigNode root = YamlReader.read(text, file);
        List<ConfigProblem> problems = new ArrayList<>();
        if (!(root instanceof ConfigNode.Mapping mapping)) {
            throw new ConfigException(List.of(new ConfigProblem(file, root.line(), "",
                    "the configuration must be a map of settings, not " + root.kind(), "write 'key: value' lines")));
        }
        Section top = new Section(file, "", mapping, problems);

        String hostname = top.scalar("hostname", defaultHostname(), "a fully qualified host name such as mail.example.org",
                ConfigLoader::hostname);
        List<WardenConfig.Listener> listen = listeners(top);
        List<Cidr> trustedProxies = top.cidrs("trusted_proxies", List.of());
        Path dataDir = top.path("data_dir", Path.of("var"));
        Path virtualDomains = top.path("virtual_domains", dataDir.resolve("virtual"));
        Set<String> localDomains = new LinkedHashSet<>(top.list("local_domains", List.of(), "a domain name",
                ConfigLoader::hostname));
        List<Cidr> relayNetworks = top.cidrs("relay_networks", List.of(Cidr.parse("127.0.0.1"), Cidr.parse("::1")));
        String mailbox = top.scalar("mailbox", dataDir.resolve("mail").resolve("{user}").resolve("Maildir").toString(),
                "a path containing {user}", t -> {
                    if (!t.contains("{user}")) throw new IllegalArgumentException("'" + t + "' has no {user} placeholder");
                    return t;
                });
        warden.durable.FileModes mailboxModes = mailboxModes(top);
        WardenConfig.Limits limits = limits(top.section("limits"));
        WardenConfig.Dns dns = dns(top.section("dns"));
        WardenConfig.BareLineEndings bare = top.choice("bare_line_endings", WardenConfig.BareLineEndings.REJECT,
                WardenConfig.BareLineEndings.class);
        WardenConfig.Greylisting greylist = greylist(top.section("greylist"));
        java.util.Optional<Path> whitelistHosts = java.util.Optional.ofNullable(top.path("whitelist_hosts", null));
        WardenConfig.Policy policy = policy(top.section("policy"), top.section("checks"), whitelistHosts);
        WardenConfig.DnsLists dnsLists = dnsLists(top.section("dnsbl"), top.section("dnswl"));
        java.util.Optional<Path> bounceRecipients = java.util.Optional.ofNullable(top.path("bounce_recipients", null));
        int maxReceived = top.integer("max_received_headers", warden.policy.content.MailLoop.DEFAULT_LIMIT, 1, 1000);
        java.util.Optional<Path> localUsers = java.util.Optional.ofNullable(top.path("local_users", null));
        boolean outbound = top.bool("outbound", true);
        java.util.Map<String, List<NextHop>> routes = routes(top);
        java.util.Optional<NextHop> smarthost = java.util.Optional.ofNullable(
                top.scalar("smarthost", null, NEXT_HOP_EXPECTED, ConfigLoader::nextHop));
        java.util.Optional<Path> smarthostCredentials = java.util.Optional.ofNullable(top.path("smarthost_credentials", null));
        QueueSettings queue = queue(top.section("queue"));
        WardenConfig.Tls tls = tls(top.section("tls"));
        WardenConfig.Auth auth = auth(top.section("auth"));
        roles(top, listen, tls, auth);
        WardenConfig.Doors doors = doors(top);
        if (listen.isEmpty() && !doors.any() && top.node("listen").isPresent()) {
            top.problem("listen", top.lineOf("listen"), "no listener given",
                    "list at least one \"addr:port\" (an empty list is only for a policy server: set doors.greylistd or doors.postfix)");
        }
        top.finish();
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new WardenConfig(file, hostname, listen, trustedProxies, dataDir, virtualDomains, localDomains,
                relayNetworks, mailbox, mailboxModes, limits, dns, bare, greylist, policy, dnsLists, bounceRecipients, maxReceived,
                localUsers, outbound, routes, smarthost, smarthostCredentials, queue, tls, auth, doors);
    }

    /**
     * {@code tls:}: {@code certificate} and {@code key} together, {@code certificates} as a list of
     * {@code {certificate, key}} maps, {@code protocols} from TLSv1.2 and TLSv1.3. The PEM files are
     * read by {@code warden.tls.ServerTls} ({@code config check} and {@code serve} do).
     */
    private static WardenConfig.Tls tls(Section s) {
        java.util.Optional<Path> certificate = java.util.Optional.ofNullable(s.path("certificate", null));
        java.util.Optional<Path> key = java.util.Optional.ofNullable(s.path("key", null));
        if (certificate.isPresent() != key.isPresent()) {
            String given = certificate.isPresent() ? "certificate" : "key";
            String missing = certificate.isPresent() ? "key" : "certificate";
            s.problem(given, s.lineOf(given), "tls." + given + " is set but tls." + missing + " is not",
                    "set both, e.g. certificate: /etc/letsencrypt/live/NAME/fullchain.pem and key: /etc/letsencrypt/live/NAME/privkey.pem");
        }
        List<WardenConfig.CertificatePair> pairs = new ArrayList<>();
        var node = s.node("certificates");
        if (node.isPresent()) {
            if (node.get() instanceof ConfigNode.Sequence seq) {
                for (ConfigNode item : seq.items()) {
                    if (!(item instanceof ConfigNode.Mapping m)) {
                        s.problem("certificates", item.line(), "each item must be a map with certificate and key",
                                "write '- {certificate: /path/fullchain.pem, key: /path/privkey.pem}'");
                        continue;
                    }
                    List<ConfigProblem> own = new ArrayList<>();
                    Section pair = new Section(s.file(), s.path("certificates[]"), m, own);
                    Path c = pair.path("certificate", null);
                    Path k = pair.path("key", null);
                    pair.finish();
                    own.forEach(p -> s.problem("certificates[]." + p.key().replaceFirst("^.*certificates\\[\\]\\.", ""),
                            p.line(), p.message(), p.fix()));
                    if (c == null || k == null) {
                        s.problem("certificates", m.line(), "each item needs both certificate and key",
                                "write '- {certificate: /path/fullchain.pem, key: /path/privkey.pem}'");
                    } else {
                        pairs.add(new WardenConfig.CertificatePair(c, k));
                    }
                }
            } else {
                s.problem("certificates", node.get().line(), "must be a list of {certificate, key} maps",
                        "write one '- {certificate: ..., key: ...}' per line");
            }
        }
        List<String> protocols = s.list("protocols", WardenConfig.Tls.DEFAULT_PROTOCOLS, "TLSv1.2 or TLSv1.3", t -> {
            String v = t.strip();
            for (String known : WardenConfig.Tls.DEFAULT_PROTOCOLS) if (known.equalsIgnoreCase(v)) return known;
            throw new IllegalArgumentException("'" + v + "' is not TLSv1.2 or TLSv1.3 (older versions are broken and not offered)");
        });
        if (protocols.isEmpty() && s.node("protocols").isPresent()) {
            s.problem("protocols", s.lineOf("protocols"), "no protocol left", "list TLSv1.2 and/or TLSv1.3");
            protocols = WardenConfig.Tls.DEFAULT_PROTOCOLS;
        }
        s.finish();
        return new WardenConfig.Tls(certificate, key, pairs, protocols);
    }

    /** {@code auth:}: the credential backends, the sender-login map and the failure throttle. */
    private static WardenConfig.Auth auth(Section s) {
        java.util.Optional<Path> passwd = java.util.Optional.ofNullable(s.path("passwd_file", null));
        java.util.Optional<WardenConfig.Ldap> ldap = java.util.Optional.empty();
        if (s.node("ldap").isPresent()) {
            Section l = s.section("ldap");
            String url = l.scalar("url", null, "an LDAP URL such as ldap://127.0.0.1:389 or ldaps://ldap.example.org", t -> {
                String v = t.strip();
                if (!v.matches("(?i)ldaps?://[^/\\s]+/?")) {
                    throw new IllegalArgumentException("'" + v + "' is not ldap://host[:port] or ldaps://host[:port]");
                }
                return v;
            });
            java.util.Optional<String> bindDn = l.optionalString("bind_dn");
            java.util.Optional<Path> bindPassword = java.util.Optional.ofNullable(l.path("bind_password_file", null));
            String base = l.scalar("base", null, "a DN such as ou=people,dc=example,dc=org", t -> {
                if (!com.unboundid.ldap.sdk.DN.isValidDN(t.strip())) throw new IllegalArgumentException("'" + t + "' is not a DN (RFC 4514)");
                return t.strip();
            });
            String filter = l.scalar("filter", "(uid={user})", "an LDAP filter with {user}, e.g. (&(objectClass=inetOrgPerson)(uid={user}))", t -> {
                if (!t.contains("{user}")) throw new IllegalArgumentException("'" + t + "' has no {user} placeholder");
                try {
                    com.unboundid.ldap.sdk.Filter.create(t.strip().replace("{user}", "x"));
                } catch (com.unboundid.ldap.sdk.LDAPException e) {
                    throw new IllegalArgumentException("'" + t + "' is not an LDAP filter (RFC 4515): " + e.getMessage());
                }
                return t.strip();
            });
            java.time.Duration timeout = l.duration("timeout", java.time.Duration.ofSeconds(5));
            if (bindDn.isPresent() != bindPassword.isPresent()) {
                l.problem("bind_dn", l.lineOf(bindDn.isPresent() ? "bind_dn" : "bind_password_file"),
                        "auth.ldap.bind_dn and auth.ldap.bind_password_file go together",
                        "set both (the password file holds the service account's password on its first line), or neither for an anonymous search");
            }
            if (bindDn.isPresent() && !com.unboundid.ldap.sdk.DN.isValidDN(bindDn.get())) {
                l.problem("bind_dn", l.lineOf("bind_dn"), "'" + bindDn.get() + "' is not a DN (RFC 4514)",
                        "write the service account's DN, e.g. cn=warden,ou=services,dc=example,dc=org");
            }
            if (url == null) l.problem("url", l.lineOf("url"), "auth.ldap needs url", "add url: ldap://HOST:389");
            if (base == null) l.problem("base", l.lineOf("base"), "auth.ldap needs base", "add base: ou=people,dc=example,dc=org");
            l.finish();
            if (url != null && base != null) {
                ldap = java.util.Optional.of(new WardenConfig.Ldap(url, bindDn, bindPassword, base, filter, timeout));
            }
        }
        java.util.Optional<Path> senderLogin = java.util.Optional.ofNullable(s.path("sender_login", null));
        int maxFailures = s.integer("max_failures", WardenConfig.Auth.NONE.maxFailures(), 1, 1000);
        java.time.Duration window = s.duration("failure_window", WardenConfig.Auth.NONE.failureWindow());
        boolean show = s.bool("show_in_received", false);
        if (passwd.isPresent() && ldap.isPresent()) {
            s.problem("ldap", s.lineOf("ldap"), "auth.passwd_file and auth.ldap are both set", "choose one credential backend");
        }
        s.finish();
        return new WardenConfig.Auth(passwd, ldap, senderLogin, maxFailures, window, show);
    }

    static final String LOOPBACK_FIX = "listen on 127.0.0.1 or [::1] (the policy protocols have no authentication;"
            + " several MTA hosts share one greylist through greylist.store: redis://...)";

    /**
     * {@code doors:}: {@code greylistd} ({@code socket}, {@code listen}, {@code mode}, {@code group})
     * and {@code postfix} ({@code listen}, {@code answer}, {@code max_delay}). A door is on when its
     * section is present, even empty; its TCP addresses must be loopback.
     */
    private static WardenConfig.Doors doors(Section top) {
        Section d = top.section("doors");
        java.util.Optional<WardenConfig.GreylistdDoor> greylistd = java.util.Optional.empty();
        if (d.keys().contains("greylistd")) {
            Section g = d.section("greylistd");
            java.util.Optional<Path> socket = java.util.Optional.ofNullable(g.path("socket", null));
            java.util.Optional<InetSocketAddress> listen = java.util.Optional.ofNullable(
                    g.scalar("listen", null, "a loopback address and port such as \"127.0.0.1:10024\"", ConfigLoader::loopback));
            int mode = g.scalar("mode", WardenConfig.GreylistdDoor.DEFAULT_MODE, "an octal file mode such as 0660", t -> {
                String v = t.strip();
                if (!v.matches("0?[0-7]{3}")) throw new IllegalArgumentException("'" + t + "' is not an octal mode such as 0660");
                return Integer.parseInt(v, 8);
            });
            java.util.Optional<String> group = g.optionalString("group").map(String::strip);
            if (socket.isEmpty() && listen.isEmpty()) socket = java.util.Optional.of(Path.of(WardenConfig.GreylistdDoor.DEFAULT_SOCKET));
            g.finish();
            greylistd = java.util.Optional.of(new WardenConfig.GreylistdDoor(socket, listen, mode, group));
        }
        java.util.Optional<WardenConfig.PostfixDoor> postfix = java.util.Optional.empty();
        if (d.keys().contains("postfix")) {
            Section p = d.section("postfix");
            List<WardenConfig.DoorAddress> listen = p.list("listen", List.of(),
                    "\"127.0.0.1:PORT\" or \"unix:PATH\"", ConfigLoader::doorAddress);
            if (listen.isEmpty() && p.node("listen").isEmpty()) {
                p.problem("listen", p.lineOf("listen"), "doors.postfix needs listen",
                        "add listen: [\"127.0.0.1:10023\"] (and check_policy_service inet:127.0.0.1:10023 in Postfix)");
            }
            WardenConfig.PolicyAnswer answer = p.choice("answer", WardenConfig.PolicyAnswer.ENGINE, WardenConfig.PolicyAnswer.class);
            java.time.Duration maxDelay = p.duration("max_delay", WardenConfig.PostfixDoor.DEFAULT_MAX_DELAY);
            if (maxDelay.compareTo(java.time.Duration.ofSeconds(99)) > 0) {
                p.problem("max_delay", p.lineOf("max_delay"), "max_delay " + maxDelay.toSeconds()
                        + "s is not below Postfix's smtpd_policy_service_timeout (100s by default): Postfix would give up on the answer",
                        "write at most 99s (90s is the default), or raise smtpd_policy_service_timeout in Postfix and keep max_delay below it");
                maxDelay = WardenConfig.PostfixDoor.DEFAULT_MAX_DELAY;
            }
            p.finish();
            postfix = java.util.Optional.of(new WardenConfig.PostfixDoor(listen, answer, maxDelay));
        }
        d.finish();
        return new WardenConfig.Doors(greylistd, postfix);
    }

    /** A loopback {@code addr:port}. */
    static InetSocketAddress loopback(String text) {
        InetSocketAddress a = socketAddress(text);
        if (!a.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("'" + text.strip() + "' is not a loopback address; " + LOOPBACK_FIX);
        }
        return a;
    }

    /** {@code unix:PATH} or a loopback {@code addr:port}. */
    static WardenConfig.DoorAddress doorAddress(String text) {
        String t = text.strip();
        if (t.startsWith("unix:")) {
            String path = t.substring(5);
            if (path.isBlank()) throw new IllegalArgumentException("'" + t + "' names no socket file");
            return new WardenConfig.DoorAddress.Unix(Path.of(path));
        }
        if (t.startsWith("inet:")) t = t.substring(5); // Postfix's own spelling
        return new WardenConfig.DoorAddress.Tcp(loopback(t));
    }

    /** A submission port needs a certificate (or explicit plaintext AUTH) and a credential backend. */
    private static void roles(Section top, List<WardenConfig.Listener> listen, WardenConfig.Tls tls, WardenConfig.Auth auth) {
        for (WardenConfig.Listener l : listen) {
            if (l.role() == WardenConfig.Role.MX) continue;
            String role = l.role().name().toLowerCase(java.util.Locale.ROOT);
            if (!auth.configured()) {
                top.problem("listen", top.lineOf("listen"), "listener " + l + " has role " + role
                        + " but no credential backend is configured", "set auth.passwd_file or auth.ldap");
            }
            boolean needsTls = l.role() == WardenConfig.Role.SUBMISSIONS || !l.allowPlaintextAuth();
            if (needsTls && !tls.configured()) {
                top.problem("listen", top.lineOf("listen"), "listener " + l + " has role " + role + " but no certificate is configured",
                        "set tls.certificate and tls.key (e.g. certbot's fullchain.pem and privkey.pem)");
            }
        }
    }

    static final String NEXT_HOP_EXPECTED = "a next hop such as \"[10.0.0.5]:25\", \"[mail.provider.example]:587\","
            + " \"mail.example.net\" or \"[::1]:2525\"";

    /**
     * {@code routes:}: a recipient domain ({@code example.net}), its subdomains ({@code .example.net})
     * or every remote domain ({@code "*"}) to a list of next hops tried in order (a single hop may be
     * written without the list).
     */
    private static java.util.Map<String, List<NextHop>> routes(Section top) {
        Section s = top.section("routes");
        java.util.Map<String, List<NextHop>> out = new java.util.LinkedHashMap<>();
        for (String key : s.keys()) {
            String domain;
            try {
                domain = routeDomain(key);
            } catch (IllegalArgumentException e) {
                s.node(key);
                s.problem(key, s.lineOf(key), e.getMessage(),
                        "write a domain (example.net), a domain and its subdomains (.example.net) or \"*\" for every other domain");
                continue;
            }
            List<NextHop> hops = s.list(key, List.of(), NEXT_HOP_EXPECTED, ConfigLoader::nextHop);
            if (hops.isEmpty()) {
                s.problem(key, s.lineOf(key), "no next hop given", "list at least one, e.g. [\"[10.0.0.5]:25\"]");
                continue;
            }
            if (out.containsKey(domain)) {
                s.problem(key, s.lineOf(key), "the same domain as another route (names are case-insensitive)", "keep one of the two");
                continue;
            }
            out.put(domain, hops);
        }
        s.finish();
        return out;
    }

    /** A {@code routes:} key: {@code *}, a domain, or {@code .domain} for its subdomains; lower case. */
    static String routeDomain(String key) {
        String k = key.strip();
        if (k.equals("*")) return k;
        if (k.startsWith(".")) return "." + hostname(k.substring(1));
        return hostname(k);
    }

    /**
     * A next hop: {@code [address]:port}, {@code [name]:port}, {@code name}, {@code name:port}, a
     * bare IPv4 address; the port is 25 unless given. A bare IPv6 address must be in brackets (its
     * colons would be read as a port).
     */
    static NextHop nextHop(String text) {
        String t = text.strip();
        if (t.isEmpty()) throw new IllegalArgumentException("an empty next hop");
        String host;
        String port = null;
        boolean bracketed = t.startsWith("[");
        if (bracketed) {
            int close = t.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("'" + text + "' has no closing ]");
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw new IllegalArgumentException("'" + text + "': only :port may follow ]");
                port = rest.substring(1);
            }
            if (host.regionMatches(true, 0, "IPv6:", 0, 5)) host = host.substring(5);
        } else {
            int colon = t.indexOf(':');
            if (colon >= 0 && colon != t.lastIndexOf(':')) {
                throw new IllegalArgumentException("'" + text + "': put an IPv6 address in brackets, e.g. [::1]:25");
            }
            host = colon < 0 ? t : t.substring(0, colon);
            if (colon >= 0) port = t.substring(colon + 1);
        }
        int p = 25;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "': the port must be a number");
            }
            if (p < 1 || p > 65535) throw new IllegalArgumentException("'" + text + "': the port must be 1..65535");
        }
        InetAddress ip = Cidr.literal(host);
        if (ip != null) return new NextHop(warden.mail.IpText.of(ip), p, true);
        if (host.contains(":")) throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an IP address");
        try {
            return new NextHop(hostname(host), p, bracketed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': '" + host + "' is neither a host name nor an IP address");
        }
    }

    /** {@code queue:}: retry backoff, lifetime, concurrency and delay warnings; Postfix's defaults. */
    private static QueueSettings queue(Section s) {
        QueueSettings d = QueueSettings.DEFAULTS;
        Duration retryMin = s.duration("retry_min", d.retryMin());
        Duration retryMax = s.duration("retry_max", d.retryMax());
        Duration maxAge = s.duration("max_age", d.maxAge());
        int concurrency = s.integer("concurrency_per_destination", d.concurrencyPerDestination(), 1, 10_000);
        java.util.Optional<Duration> delayWarning = java.util.Optional.ofNullable(s.duration("delay_warning", null));
        if (retryMin.isZero() || retryMin.isNegative()) {
            s.problem("retry_min", s.lineOf("retry_min"), "must be longer than 0s: a zero backoff retries a failing host in a tight loop",
                    "write 5m (Postfix's minimal_backoff_time) or at least a few seconds");
            retryMin = d.retryMin();
        }
        if (retryMax.compareTo(retryMin) < 0) {
            s.problem("retry_max", s.lineOf("retry_max"), Units.format(retryMax) + " is shorter than queue.retry_min "
                    + Units.format(retryMin), "make queue.retry_max at least queue.retry_min (the backoff doubles up to it)");
            retryMax = retryMin;
        }
        if (maxAge.compareTo(retryMin) < 0) {
            s.problem("max_age", s.lineOf("max_age"), Units.format(maxAge) + " is shorter than queue.retry_min "
                    + Units.format(retryMin) + ": mail would bounce at its first temporary failure",
                    "write days, e.g. 5d (Postfix's maximal_queue_lifetime)");
            maxAge = d.maxAge();
        }
        if (delayWarning.isPresent() && (delayWarning.get().isZero() || delayWarning.get().compareTo(maxAge) >= 0)) {
            s.problem("delay_warning", s.lineOf("delay_warning"), Units.format(delayWarning.get())
                    + " is not between 0s and queue.max_age " + Units.format(maxAge) + ": the warning would never be sent",
                    "write a few hours, e.g. 4h (Postfix's delay_warning_time), or remove the key for no warnings");
            delayWarning = java.util.Optional.empty();
        }
        s.finish();
        return new QueueSettings(retryMin, retryMax, maxAge, concurrency, delayWarning);
    }

    /** {@code mailbox_file_mode} and {@code mailbox_directory_mode}: octal, applied whatever the umask. */
    private static warden.durable.FileModes mailboxModes(Section top) {
        warden.durable.FileModes d = warden.durable.FileModes.PRIVATE;
        var file = top.scalar("mailbox_file_mode", d.file(), "an octal mode such as 0600",
                warden.durable.FileModes::parseOctal);
        var directory = top.scalar("mailbox_directory_mode", d.directory(), "an octal mode such as 0700",
                warden.durable.FileModes::parseOctal);
        try {
            return new warden.durable.FileModes(file, directory);
        } catch (IllegalArgumentException e) {
            String key = e.getMessage().startsWith("file") ? "mailbox_file_mode" : "mailbox_directory_mode";
            int line = top.node(key).map(ConfigNode::line).orElse(0);
            top.problem(key, line, e.getMessage(), key.equals("mailbox_file_mode")
                    ? "use 0600 (owner only) or 0640/0660 to share with a group" : "use 0700 (owner only) or 0750/0770 to share with a group");
            return d;
        }
    }

    private static List<WardenConfig.Listener> listeners(Section top) {
        var node = top.node("listen");
        if (node.isEmpty()) return List.of(new WardenConfig.Listener(socketAddress(DEFAULT_LISTEN), false));
        List<ConfigNode> items = node.get() instanceof ConfigNode.Sequence s ? s.items() : List.of(node.get());
        List<WardenConfig.Listener> out = new ArrayList<>();
        for (ConfigNode item : items) {
            switch (item) {
                case ConfigNode.Scalar s when s.text() != null -> {
                    try {
                        out.add(new WardenConfig.Listener(socketAddress(s.text()), false));
                    } catch (IllegalArgumentException e) {
                        top.problem("listen", s.line(), e.getMessage(), "write \"address:port\", e.g. \"0.0.0.0:25\" or \"[::]:25\"");
                    }
                }
                case ConfigNode.Mapping m -> {
                    List<ConfigProblem> own = new ArrayList<>();
                    Section item2 = new Section(top.file(), top.path("listen[]"), m, own);
                    String address = item2.optionalString("address").orElse(null);
                    boolean proxy = item2.bool("proxy_protocol", false);
                    WardenConfig.Role role = item2.choice("role", WardenConfig.Role.MX, WardenConfig.Role.class);
                    boolean plaintextAuth = item2.bool("allow_plaintext_auth", false);
                    WardenConfig.ProxyUnknown unknown = item2.choice("proxy_unknown", WardenConfig.ProxyUnknown.UNTRUSTED,
                            WardenConfig.ProxyUnknown.class);
                    if (!proxy && item2.node("proxy_unknown").isPresent()) {
                        item2.problem("proxy_unknown", item2.lineOf("proxy_unknown"),
                                "has no effect without proxy_protocol: true", "add proxy_protocol: true or remove proxy_unknown");
                    }
                    item2.finish();
                    own.forEach(p -> top.problem("listen[]." + p.key().replaceFirst("^listen\\[\\]\\.", ""), p.line(), p.message(), p.fix()));
                    if (address == null) {
                        top.problem("listen", m.line(), "a listener map needs 'address'", "add address: \"addr:port\"");
                        continue;
                    }
                    try {
                        out.add(new WardenConfig.Listener(socketAddress(address), proxy, unknown, role, plaintextAuth));
                    } catch (IllegalArgumentException e) {
                        top.problem("listen", m.line(), e.getMessage(), "write \"address:port\"");
                    }
                }
                default -> top.problem("listen", item.line(), "each item must be \"addr:port\" or a map with address and proxy_protocol", "");
            }
        }
        // An empty list is allowed only beside a door (checked in parse): Warden as a policy server alone.
        return out;
    }

    private static WardenConfig.Limits limits(Section s) {
        WardenConfig.Limits l = new WardenConfig.Limits(
                s.size("message_size", 25L << 20, MIN_MESSAGE_SIZE, MAX_MESSAGE_SIZE,
                        "below 1K every message would be refused (and SIZE 0 would announce no limit at all, RFC 1870),"
                        + " above 2G the size no longer fits the store's offsets"),
                s.integer("max_recipients", 100, 1, 100_000),
                s.integer("max_errors", 10, 1, 1000),
                s.integer("max_connections", 20_000, 1, 1_000_000),
                s.integer("max_connections_per_ip", 50, 1, 1_000_000),
                s.duration("command_timeout", Duration.ofMinutes(5)),
                s.duration("data_timeout", Duration.ofMinutes(3)),
                s.duration("shutdown_grace", Duration.ofSeconds(30)));
        s.finish();
        return l;
    }

    private static WardenConfig.Policy policy(Section s, Section checks, java.util.Optional<Path> whitelistHosts) {
        var defaults = warden.policy.PolicySettings.defaults(warden.policy.OwnIdentity.none());
        var mode = s.choice("mode", defaults.mode(), warden.policy.PolicySettings.Mode.class);
        var rejectAt = s.choice("reject_at", defaults.rejectAt(), warden.policy.PolicySettings.RejectAt.class);
        Duration maxDelay = s.duration("max_delay", defaults.maxDelay());
        if (maxDelay.compareTo(warden.policy.PolicySettings.DELAY_LIMIT) > 0) {
            s.problem("max_delay", s.lineOf("max_delay"), "longer than " + Units.format(warden.policy.PolicySettings.DELAY_LIMIT)
                    + ": a client may give up (RFC 5321 4.5.3.2 gives it 5 minutes)", "write 4m or less");
            maxDelay = defaults.maxDelay();
        }
        Duration bannerDelay = s.duration("banner_delay", Duration.ZERO);
        if (bannerDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            s.problem("banner_delay", s.lineOf("banner_delay"), "too long: clients wait 5 minutes at most for the banner, "
                    + "and every connection waits this long", "write a few seconds, e.g. 6s (postscreen's greet_wait)");
            bannerDelay = Duration.ZERO;
        }
        boolean exemptAuth = s.bool("exempt_authenticated", defaults.exemptAuthenticated());
        boolean exemptRelay = s.bool("exempt_relay_clients", defaults.exemptRelayClients());
        boolean header = s.bool("x_helo_check", defaults.heloCheckHeader());
        var helodnscheck = s.optionalString("helodnscheck").map(f -> f.strip().toUpperCase(Locale.ROOT));
        if (helodnscheck.isPresent() && !helodnscheck.get().matches("[IPBVLHRD]*")) {
            s.problem("helodnscheck", s.lineOf("helodnscheck"), "'" + helodnscheck.get() + "' has letters other than I P B V L H R D",
                    "write the HELO_DNS_CHECK flags of seed 003, e.g. PLRIV");
            helodnscheck = java.util.Optional.empty();
        }
        s.finish();
        java.util.Map<String, warden.policy.CheckSettings> overrides = new java.util.LinkedHashMap<>();
        for (String name : checks.keys()) {
            Section c = checks.section(name);
            if (!warden.policy.Checks.NAMES.contains(name)) {
                String near = warden.policy.Checks.NAMES.stream().filter(n -> n.contains(name) || name.contains(n)).findFirst()
                        .orElse(null);
                checks.problem(name, checks.lineOf(name), "no check has this name",
                        near != null ? "did you mean '" + near + "'?" : "use one of: " + String.join(", ", warden.policy.Checks.NAMES));
                continue;
            }
            warden.policy.CheckSettings base = defaults.check(name);
            warden.policy.Action action = c.scalar("action", base.action(),
                    "one of pass, log, header, delay, defer, deny, drop", warden.policy.Action::parse);
            Duration delay = c.duration("delay", defaultDelay(c.keys(), action, base));
            List<String> exempt = c.list("exempt", List.of(), "an IP, a CIDR network or a host name pattern", t -> t);
            List<String> exemptErrors = new ArrayList<>();
            warden.policy.HostList exemptList = exempt.isEmpty() ? base.exempt()
                    : warden.policy.HostList.parse(checks.file(), exempt, exemptErrors::add);
            exemptErrors.forEach(e -> c.problem("exempt", c.lineOf("exempt"), e, "write an IP, a CIDR or a *.example.com name"));
            c.finish();
            try {
                warden.policy.CheckSettings cs = new warden.policy.CheckSettings(action, delay, exemptList);
                defaults.withCheck(name, cs); // validates the combination (a delay action needs a delay, caps)
                overrides.put(name, cs);
            } catch (IllegalArgumentException e) {
                checks.problem(name, checks.lineOf(name), e.getMessage(), "see the checks table in README.md");
            }
        }
        return new WardenConfig.Policy(mode, rejectAt, maxDelay, bannerDelay, exemptAuth, exemptRelay, header,
                helodnscheck, whitelistHosts, overrides);
    }

    /**
     * The delay of a check whose {@code delay} is not written: an action written alone means that
     * action and nothing else ({@code {action: log}} only logs), except {@code delay}, which takes
     * the check's default delay (20s); with no action written, the check keeps its default delay.
     */
    static Duration defaultDelay(List<String> written, warden.policy.Action action, warden.policy.CheckSettings base) {
        if (!written.contains("action")) return base.delay();
        if (action != warden.policy.Action.DELAY) return Duration.ZERO;
        return base.delay().isZero() ? warden.policy.PolicySettings.DEFAULT_DELAY : base.delay();
    }

    private static WardenConfig.Greylisting greylist(Section s) {
        warden.greylist.GreylistSettings d = warden.greylist.GreylistSettings.defaults();
        boolean enabled = s.bool("enabled", true);
        var delay = s.duration("delay", d.delay());
        var timeout = s.duration("timeout", d.timeout());
        var lifetime = s.duration("lifetime", d.lifetime());
        int v4 = s.integer("network_ipv4", d.networkIpv4(), 0, 32);
        int v6 = s.integer("network_ipv6", d.networkIpv6(), 0, 128);
        int auto = s.integer("auto_whitelist", d.autoWhitelist(), 0, 1_000_000);
        var onFailure = s.choice("on_store_failure", d.onStoreFailure(), warden.greylist.GreylistSettings.OnStoreFailure.class);
        String store = s.scalar("store", "sqlite", "sqlite or a redis://host:port/db URL", t -> {
            String v = t.strip();
            if (!v.equals("sqlite") && !v.startsWith("redis://")) {
                throw new IllegalArgumentException("'" + t + "' is neither sqlite nor a redis:// URL");
            }
            return v;
        });
        warden.greylist.GreylistSettings settings = d;
        try {
            settings = new warden.greylist.GreylistSettings(delay, timeout, lifetime, v4, v6, auto, onFailure);
        } catch (IllegalArgumentException e) {
            s.problem("timeout", s.lineOf("timeout"), e.getMessage(), "make greylist.timeout longer than greylist.delay");
        }
        s.finish();
        return new WardenConfig.Greylisting(enabled, settings, store);
    }

    private static WardenConfig.DnsLists dnsLists(Section bl, Section wl) {
        int threshold = bl.integer("threshold", warden.policy.dnsbl.DnsLists.DEFAULT_THRESHOLD, 1, 100);
        List<warden.policy.dnsbl.DnsList> blacklists = dnsListItems(bl, true);
        List<warden.policy.dnsbl.DnsList> whitelists = dnsListItems(wl, false);
        bl.finish();
        wl.finish();
        return new WardenConfig.DnsLists(threshold, blacklists, whitelists);
    }

    /**
     * {@code lists:} items: a zone in postscreen's short form ({@code zen.spamhaus.org=127.0.0.[2..11]*2})
     * or a map {@code {zone, weight, codes}}; whitelists take no weight (any listing exempts).
     */
    private static List<warden.policy.dnsbl.DnsList> dnsListItems(Section s, boolean weighted) {
        var node = s.node("lists");
        if (node.isEmpty()) return List.of();
        String example = weighted ? "{zone: zen.spamhaus.org, weight: 1, codes: [\"127.0.0.[2..11]\"]}"
                : "{zone: list.dnswl.org, codes: [\"127.0.[0..255].[1..3]\"]}";
        if (!(node.get() instanceof ConfigNode.Sequence seq)) {
            s.problem("lists", node.get().line(), "must be a list, not " + node.get().kind(), "write one '- zone' or '- " + example + "' per line");
            return List.of();
        }
        List<warden.policy.dnsbl.DnsList> out = new ArrayList<>();
        for (ConfigNode item : seq.items()) {
            try {
                switch (item) {
                    case ConfigNode.Scalar sc when sc.text() != null -> {
                        var list = warden.policy.dnsbl.DnsList.parse(sc.text());
                        if (!weighted && list.weight() != 1) throw new IllegalArgumentException("a whitelist has no weight: any listing exempts");
                        out.add(list);
                    }
                    case ConfigNode.Mapping m -> {
                        List<ConfigProblem> own = new ArrayList<>();
                        Section it = new Section(s.file(), s.path("lists[]"), m, own);
                        String zone = it.optionalString("zone").orElse(null);
                        int weight = weighted ? it.integer("weight", 1, 1, 100) : 1;
                        List<String> codes = it.list("codes", List.of(), "a code (127.0.0.2), a range (127.0.0.2-127.0.0.11),"
                                + " an octet pattern (127.0.0.[2..11]) or a mask (&0.0.0.4)", t -> t);
                        it.finish();
                        for (ConfigProblem p : own) s.problem("lists[]." + p.key().substring(p.key().lastIndexOf('.') + 1), p.line(), p.message(), p.fix());
                        if (!own.isEmpty()) continue;
                        if (zone == null) throw new IllegalArgumentException("an item needs 'zone'");
                        out.add(new warden.policy.dnsbl.DnsList(zone, weight, warden.policy.dnsbl.ReturnCodes.parse(codes)));
                    }
                    default -> throw new IllegalArgumentException("each item must be a zone or a map, not " + item.kind());
                }
            } catch (IllegalArgumentException e) {
                s.problem("lists", item.line(), e.getMessage(), "write '- zen.spamhaus.org' or '- " + example + "'");
            }
        }
        return List.copyOf(out);
    }

    private static WardenConfig.Dns dns(Section s) {
        WardenConfig.Dns d = new WardenConfig.Dns(
                s.list("servers", List.of(), "\"address:port\" of a DNS server (port 53 if left out)",
                        ConfigLoader::dnsServer),
                s.duration("timeout", Duration.ofSeconds(5)),
                s.integer("retries", 2, 0, 10),
                s.integer("cache_entries", 10_000, 0, 10_000_000));
        s.finish();
        return d;
    }

    /** A DNS server: {@code 192.0.2.53}, {@code 192.0.2.53:5353}, {@code [2001:db8::53]:53} or a bare IPv6 address. */
    static InetSocketAddress dnsServer(String text) {
        String t = text.strip();
        boolean bareV6 = !t.startsWith("[") && t.indexOf(':') != t.lastIndexOf(':');
        if (bareV6) t = "[" + t + "]";
        if (t.endsWith("]") || t.indexOf(':') < 0) t = t + ":53";
        return socketAddress(t);
    }

    /** Parses {@code addr:port}, {@code [v6]:port}; the address must be a literal. */
    public static InetSocketAddress socketAddress(String text) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon < 0) throw new IllegalArgumentException("'" + text + "' has no port");
        String host = t.substring(0, colon);
        String port = t.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        else if (host.contains(":")) throw new IllegalArgumentException("'" + text + "': put an IPv6 address in brackets, e.g. [::1]:25");
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the port must be a number");
        }
        if (p < 0 || p > 65535) throw new IllegalArgumentException("'" + text + "': the port must be 0..65535");
        InetAddress ip = host.isEmpty() || host.equals("*") ? anyAddress() : Cidr.literal(host);
        if (ip == null) throw new IllegalArgumentException("'" + text + "': '" + host + "' is not an IP address");
        return new InetSocketAddress(ip, p);
    }

    private static InetAddress anyAddress() {
        return new InetSocketAddress(0).getAddress();
    }

    static String hostname(String text) {
        String h = text.strip().toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) h = h.substring(0, h.length() - 1);
        if (h.isEmpty() || !h.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) {
            throw new IllegalArgumentException("'" + text + "' is not a valid domain name");
        }
        return h;
    }

    private static String defaultHostname() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName().toLowerCase(Locale.ROOT);
            return Cidr.literal(h) == null ? hostname(h) : "localhost.localdomain";
        } catch (IOException | IllegalArgumentException e) {
            return "localhost.localdomain";
        }
    }
}
