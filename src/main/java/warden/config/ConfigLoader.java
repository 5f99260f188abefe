package warden.config;

import warden.mail.Cidr;

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
        WardenConfig.Limits limits = limits(top.section("limits"));
        WardenConfig.Dns dns = dns(top.section("dns"));
        WardenConfig.BareLineEndings bare = top.choice("bare_line_endings", WardenConfig.BareLineEndings.REJECT,
                WardenConfig.BareLineEndings.class);
        top.finish();
        if (!problems.isEmpty()) throw new ConfigException(problems);
        return new WardenConfig(file, hostname, listen, trustedProxies, dataDir, virtualDomains, localDomains,
                relayNetworks, mailbox, limits, dns, bare);
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
                    item2.finish();
                    own.forEach(p -> top.problem("listen[]." + p.key().replaceFirst("^listen\\[\\]\\.", ""), p.line(), p.message(), p.fix()));
                    if (address == null) {
                        top.problem("listen", m.line(), "a listener map needs 'address'", "add address: \"addr:port\"");
                        continue;
                    }
                    try {
                        out.add(new WardenConfig.Listener(socketAddress(address), proxy));
                    } catch (IllegalArgumentException e) {
                        top.problem("listen", m.line(), e.getMessage(), "write \"address:port\"");
                    }
                }
                default -> top.problem("listen", item.line(), "each item must be \"addr:port\" or a map with address and proxy_protocol", "");
            }
        }
        if (out.isEmpty() && items.isEmpty()) {
            top.problem("listen", node.get().line(), "no listener given", "list at least one \"addr:port\"");
        }
        return out;
    }

    private static WardenConfig.Limits limits(Section s) {
        WardenConfig.Limits l = new WardenConfig.Limits(
                s.size("message_size", 25L << 20),
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
