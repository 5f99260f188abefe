package warden.config;

import warden.log.Cause;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files and directories a configuration names, looked at before anything starts: {@code
 * data_dir} can be written (or created), and the list files and directories the operator named
 * exist and are what they should be. {@code warden config check} reports these problems and
 * {@code warden serve} refuses to start on them, each with the key, what is wrong and the fix.
 *
 * <p>A mistyped {@code virtual_domains} is the dangerous case: its domains are then not ours, and
 * their mail from relay clients would go to the spool for other sites, never to a mailbox. The
 * built-in default ({@code <data_dir>/virtual}) may be missing: that means no virtual domains.
 *
 * <p>In a configuration file with {@code outbound: true} (the default), {@code hostname} must be a
 * name to greet other servers with ({@link warden.outbound.OutboundIdentity}): a bad one is refused
 * here too, as the one setting whose mistake gets the host blacklisted (seeds 000 and 001). The
 * built-in defaults are not refused: {@link WardenConfig#outboundProblem()} holds the queue instead.
 *
 * <p>Contents (the lines of the list files) are checked by their owners
 * ({@code DomainRouter.validate}, {@code BounceRecipients.validate}).
 */
public final class ConfiguredPaths {

    private ConfiguredPaths() {}

    /** Every problem with the paths of {@code c}, in key order; empty when all is well. */
    public static List<ConfigProblem> check(WardenConfig c) {
        KeyLines lines = KeyLines.of(c.source());
        List<ConfigProblem> problems = new ArrayList<>();
        dataDir(c.dataDir()).ifPresent(p -> problems.add(lines.problem("data_dir", p)));
        if (!c.virtualDomains().equals(c.dataDir().resolve("virtual")) && !Files.exists(c.virtualDomains())) {
            problems.add(lines.problem("virtual_domains", new Found(c.virtualDomains() + " does not exist, so none of the"
                    + " domains meant to be there is ours: their mail would be refused, or kept in the spool for"
                    + " other sites", "create the directory (one file per domain) or correct the path")));
        }
        c.policy().whitelistHosts().flatMap(f -> listFile(f, "no host would be whitelisted",
                        "one IP, CIDR or *.example.com name per line"))
                .ifPresent(p -> problems.add(lines.problem("whitelist_hosts", p)));
        c.smarthostCredentials().flatMap(f -> listFile(f, "the smarthost would get no credentials and mail to it would wait",
                        "target.mail.server.example:login:password lines, as Debian's exim4 passwd.client"))
                .ifPresent(p -> problems.add(lines.problem("smarthost_credentials", p)));
        c.auth().passwdFile().flatMap(f -> listFile(f, "auth.passwd_file names no one, so no client could log in with AUTH",
                        warden.auth.PasswdFile.FORMAT))
                .ifPresent(p -> problems.add(lines.problem("auth", p)));
        c.auth().ldap().flatMap(WardenConfig.Ldap::bindPasswordFile).flatMap(ConfiguredPaths::bindPasswordFile)
                .ifPresent(p -> problems.add(lines.problem("auth", p)));
        if (c.fromFile() && c.outbound()) {
            warden.outbound.OutboundIdentity.problem(c.hostname()).ifPresent(why -> problems.add(lines.problem("hostname",
                    new Found(why + "; every outbound HELO, bounces included, uses it (when hostname is not set, it is the"
                            + " system's name)", warden.outbound.OutboundIdentity.FIX))));
        }
        return problems;
    }

    /**
     * A problem of {@code key} in a section (e.g. {@code tls.key} in {@code tls}), for the checks
     * of other packages (the PEM files are read by {@code warden.tls}): file and line of the section.
     */
    public static ConfigProblem problem(WardenConfig c, String section, String key, Found found) {
        return KeyLines.of(c.source()).problem(section, key, found);
    }

    /** What is wrong and the fix. */
    public record Found(String message, String fix) {}

    /** Whether {@code dir} is a directory Warden can write in, or can be created: found by trying, as root can write anywhere access(2) says. */
    static Optional<Found> dataDir(Path dir) {
        Path absolute = dir.toAbsolutePath();
        String own = "create it for the user Warden runs as (install -d -o warden " + absolute + ") or set data_dir";
        if (Files.exists(absolute)) {
            if (!Files.isDirectory(absolute)) return Optional.of(new Found(absolute + " is not a directory", own));
            return probe(absolute).map(why -> new Found(absolute + " is not writable: " + why,
                    "give it to the user Warden runs as (chown -R warden " + absolute + ") or set data_dir"));
        }
        Path parent = absolute.getParent();
        while (parent != null && !Files.exists(parent)) parent = parent.getParent();
        if (parent == null) return Optional.of(new Found(absolute + " cannot be created: no existing parent", own));
        Path base = parent;
        if (!Files.isDirectory(base)) return Optional.of(new Found(absolute + " cannot be created: " + base + " is not a directory", own));
        return probe(base).map(why -> new Found(absolute + " does not exist and cannot be created in " + base + ": " + why, own));
    }

    /** Creates and removes a directory in {@code dir}: the reason it failed, if it did. */
    private static Optional<String> probe(Path dir) {
        try {
            Path made = Files.createTempDirectory(dir, ".warden-check-");
            Files.delete(made);
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            String why = Cause.of(e);
            int colon = why.lastIndexOf(": ");
            return Optional.of(colon >= 0 ? why.substring(colon + 2) : why); // the reason, not the probe's name
        }
    }

    /**
     * {@code auth.ldap.bind_password_file}: readable, and its first line (the service account's
     * password) not empty: an LDAP bind with a DN and no password is an unauthenticated bind.
     */
    static Optional<Found> bindPasswordFile(Path file) {
        String what = "auth.ldap.bind_password_file ";
        String format = "the LDAP service account's password on the first line; chmod 600, owned by the user Warden runs as";
        Optional<Found> missing = listFile(file, "the service account cannot bind, so every AUTH would get 454", format);
        if (missing.isPresent()) return missing.map(f -> new Found(what + f.message(), f.fix()));
        try (var in = Files.newBufferedReader(file, java.nio.charset.StandardCharsets.UTF_8)) {
            String first = in.readLine();
            if (first == null || first.isEmpty()) {
                return Optional.of(new Found(what + file + " has an empty first line: the service account would bind"
                        + " with no password (an unauthenticated bind)", "write the password on the first line"));
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(new Found(what + file + " cannot be read: " + Cause.of(e), "make it a UTF-8 file: " + format));
        }
    }

    /** A list file: exists, is a file, can be read. */
    static Optional<Found> listFile(Path file, String withoutIt, String format) {
        if (!Files.exists(file)) {
            return Optional.of(new Found(file + " does not exist: " + withoutIt, "create it (" + format + ") or correct the path"));
        }
        if (!Files.isRegularFile(file)) return Optional.of(new Found(file + " is not a file", "point it at a file: " + format));
        if (!Files.isReadable(file)) {
            return Optional.of(new Found(file + " cannot be read: Permission denied", "let the user Warden runs as read it"));
        }
        return Optional.empty();
    }
}
