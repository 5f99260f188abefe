package warden.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import warden.greylist.GreylistState;
import warden.greylist.imports.GreylistdFiles;
import warden.greylist.imports.ImportReport;
import warden.greylist.imports.ImportedEntry;
import warden.greylist.imports.PostgreyDatabase;
import warden.greylist.imports.StoreImport;
import warden.greylist.imports.WhitelistConversion;
import warden.greylist.imports.WhitelistConversion.Source;
import warden.greylist.imports.WhitelistConversion.SourceFile;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code warden greylist import greylistd|postgrey|greylistd-whitelist|postgrey-whitelist}: moving
 * from greylistd or postgrey without starting the greylist from nothing.
 *
 * <p>{@code greylistd} and {@code postgrey} read the incumbent's data (greylistd's {@code states}
 * and {@code triplets} files; postgrey's Berkeley DB files) and write it into the configured
 * greylist store, keyed and aged by Warden's greylist settings; {@code --dry-run} shows what would
 * be written. The two {@code -whitelist} commands convert their whitelist files into Warden's
 * {@code whitelist_hosts} format, printed or written to a new file. Each says what it could not
 * take, line by line, with file and line number.
 *
 * <p>Exit status: 0 done (the report says what was left out), 64 bad arguments, 65 a malformed
 * input line (nothing is written), 66 an input file missing, 73 the output file exists, 75 the
 * store or {@code db_dump} cannot be used; always a one-line {@code error:} message, no stack trace.
 *
 * <h2>Standards</h2>
 * greylistd(8) 0.9, postgrey(8) 1.37, sysexits(3).
 *
 * <p>It holds no logic beyond arguments, {@link warden.greylist.imports} calls and formatting.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import greylistd's or postgrey's greylist data into the greylist store, or convert their whitelists.")
public final class GreylistImportCommand implements Callable<Integer> {

    static final int DATA_ERROR = 65, NO_INPUT = 66, CANNOT_CREATE = 73;

    @Spec
    CommandSpec spec;

    @ParentCommand
    GreylistCommand greylist;

    private final Clock clock = Clock.systemUTC();

    /** Without a subcommand: the usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(greylist.err());
        return GreylistCommand.USAGE;
    }

    @Command(name = "greylistd", mixinStandardHelpOptions = true,
            description = "Import greylistd's states file, joined with its triplets file (savetriplets=true) by hash.")
    int greylistd(@Option(names = "--states", paramLabel = "FILE", defaultValue = "/var/lib/greylistd/states",
                          description = "greylistd's states file (default: ${DEFAULT-VALUE})") Path states,
                  @Option(names = "--triplets", paramLabel = "FILE", defaultValue = "/var/lib/greylistd/triplets",
                          description = "greylistd's triplets file (default: ${DEFAULT-VALUE})") Path triplets,
                  @Option(names = "--dry-run", description = DRY_RUN) boolean dryRun,
                  @Option(names = "--replace", description = REPLACE) boolean replace,
                  @Option(names = "--json", description = "print one JSON document instead of text") boolean json) {
        return importInto((settings, now) -> GreylistdFiles.read(states, triplets, settings, now),
                "name greylistd's states file with --states", new Flags(replace, dryRun, json));
    }

    @Command(name = "postgrey", mixinStandardHelpOptions = true,
            description = "Import postgrey's postgrey.db (triplets) and postgrey_clients.db (auto-whitelisted clients)."
                    + " Stop postgrey first. Give the options postgrey ran with.")
    int postgrey(@Option(names = "--dbdir", paramLabel = "DIR", defaultValue = "/var/lib/postgrey",
                         description = "postgrey's --dbdir (default: ${DEFAULT-VALUE})") Path dbdir,
                 @Option(names = "--delay", paramLabel = "SECONDS", defaultValue = "300",
                         description = "postgrey's --delay: a triplet retried after it had passed (default: ${DEFAULT-VALUE})") int delay,
                 @Option(names = "--ipv4cidr", paramLabel = "N", defaultValue = "24", description = "postgrey's --ipv4cidr (default: ${DEFAULT-VALUE})") int ipv4cidr,
                 @Option(names = "--ipv6cidr", paramLabel = "N", defaultValue = "64", description = "postgrey's --ipv6cidr (default: ${DEFAULT-VALUE})") int ipv6cidr,
                 @Option(names = "--auto-whitelist-clients", paramLabel = "N", defaultValue = "5",
                         description = "postgrey's --auto-whitelist-clients; 0 if it was off (default: ${DEFAULT-VALUE})") int awl,
                 @Option(names = "--db-dump", paramLabel = "PROGRAM", defaultValue = "db5.3_dump",
                         description = "the db_dump of postgrey's Berkeley DB (default: ${DEFAULT-VALUE})") String dbDump,
                 @Option(names = "--dry-run", description = DRY_RUN) boolean dryRun,
                 @Option(names = "--replace", description = REPLACE) boolean replace,
                 @Option(names = "--json", description = "print one JSON document instead of text") boolean json) {
        if (delay < 0 || awl < 0 || ipv4cidr < 0 || ipv4cidr > 32 || ipv6cidr < 0 || ipv6cidr > 128) {
            return greylist.usage("--delay and --auto-whitelist-clients take 0 or more, --ipv4cidr 0..32, --ipv6cidr 0..128");
        }
        PostgreyDatabase postgrey = new PostgreyDatabase(Duration.ofSeconds(delay), ipv4cidr, ipv6cidr, awl);
        return importInto((settings, now) -> postgrey.read(dbDump, dbdir, settings, now),
                "name postgrey's database directory with --dbdir", new Flags(replace, dryRun, json));
    }

    @Command(name = "greylistd-whitelist", mixinStandardHelpOptions = true,
            description = "Convert greylistd's whitelist-hosts files (Exim host lists) into Warden's whitelist_hosts format.")
    int greylistdWhitelist(@Option(names = {"-o", "--output"}, paramLabel = "FILE", description = OUTPUT) Path output,
                           @Parameters(paramLabel = "FILE", arity = "0..*",
                                   description = "the files (default: /etc/greylistd/whitelist-hosts and /var/lib/greylistd/whitelist-hosts)")
                           List<Path> files) {
        List<Named> named = files == null || files.isEmpty()
                ? List.of(new Named(Path.of("/etc/greylistd/whitelist-hosts"), Source.EXIM_HOSTS, true),
                          new Named(Path.of("/var/lib/greylistd/whitelist-hosts"), Source.EXIM_HOSTS, true))
                : files.stream().map(f -> new Named(f, Source.EXIM_HOSTS, false)).toList();
        return convert(named, output);
    }

    @Command(name = "postgrey-whitelist", mixinStandardHelpOptions = true,
            description = "Convert postgrey's whitelist_clients (and report whitelist_recipients) into Warden's whitelist_hosts format.")
    int postgreyWhitelist(@Option(names = {"-o", "--output"}, paramLabel = "FILE", description = OUTPUT) Path output,
                          @Option(names = "--clients", paramLabel = "FILE", description = "a --whitelist-clients file (default:"
                                  + " /etc/postgrey/whitelist_clients and whitelist_clients.local)") List<Path> clients,
                          @Option(names = "--recipients", paramLabel = "FILE", description = "a --whitelist-recipients file (default:"
                                  + " /etc/postgrey/whitelist_recipients and whitelist_recipients.local)") List<Path> recipients) {
        List<Named> named = new ArrayList<>();
        boolean defaults = (clients == null || clients.isEmpty()) && (recipients == null || recipients.isEmpty());
        if (defaults) {
            for (String f : List.of("whitelist_clients", "whitelist_clients.local")) {
                named.add(new Named(Path.of("/etc/postgrey", f), Source.POSTGREY_CLIENTS, true));
            }
            for (String f : List.of("whitelist_recipients", "whitelist_recipients.local")) {
                named.add(new Named(Path.of("/etc/postgrey", f), Source.POSTGREY_RECIPIENTS, true));
            }
        } else {
            if (clients != null) clients.forEach(f -> named.add(new Named(f, Source.POSTGREY_CLIENTS, false)));
            if (recipients != null) recipients.forEach(f -> named.add(new Named(f, Source.POSTGREY_RECIPIENTS, false)));
        }
        return convert(named, output);
    }

    private static final String DRY_RUN = "show what would be imported, and write nothing";
    private static final String REPLACE = "overwrite entries the store already holds (by default they are kept)";
    private static final String OUTPUT = "write a new whitelist_hosts file (by default the list is printed)";

    /** A whitelist file to convert; a default one may be missing. */
    private record Named(Path file, Source kind, boolean optional) {}

    /** How a store import runs: {@code --replace}, {@code --dry-run}, {@code --json}. */
    private record Flags(boolean replace, boolean dryRun, boolean json) {}

    /** Reads another greylist's data, keyed and aged by Warden's settings. */
    @FunctionalInterface
    private interface Reader {
        ImportReport read(warden.greylist.GreylistSettings settings, java.time.Instant now) throws IOException;
    }

    /** Reads with {@code reader}, then writes into the configured store; {@code missing} says how to name the input. */
    private int importInto(Reader reader, String missing, Flags flags) {
        return greylist.run(admin -> {
            ImportReport report;
            try {
                report = reader.read(admin.settings(), clock.instant());
            } catch (IOException e) {
                return unreadable(e, missing);
            }
            return store(report, admin, flags);
        });
    }

    private int store(ImportReport report, warden.greylist.GreylistAdmin admin, Flags flags) {
        if (!report.malformed().isEmpty()) {
            report.malformed().forEach(line -> greylist.err().println("error: " + line));
            greylist.err().println("error: nothing was imported: fix or delete the " + report.malformed().size()
                    + " line(s) above and run the import again");
            return DATA_ERROR;
        }
        StoreImport.Outcome outcome = StoreImport.write(admin, report.entries(), flags.replace(), flags.dryRun());
        if (flags.json()) {
            greylist.print(json(report, outcome, flags.dryRun()));
        } else {
            text(report, outcome, flags.dryRun(), greylist.out());
        }
        return GreylistCommand.PASS;
    }

    private static void text(ImportReport report, StoreImport.Outcome outcome, boolean dryRun, PrintWriter out) {
        out.println("read " + report.entriesRead() + " entries from " + report.source());
        out.printf("%s %d entries%s: %d white, %d grey, %d black%n", dryRun ? "would import" : "imported", outcome.total(),
                dryRun ? "" : " into the greylist store", outcome.written().get(GreylistState.WHITE),
                outcome.written().get(GreylistState.GREY), outcome.written().get(GreylistState.BLACK));
        if (outcome.kept() > 0) out.println("kept " + outcome.kept() + " entries the store already held (--replace overwrites them)");
        if (outcome.merged() > 0) out.println("merged " + outcome.merged() + " entries into another with the same Warden key");
        if (!report.lost().isEmpty() || !report.notImported().isEmpty()) {
            out.println("not imported:");
            report.lost().forEach(e -> out.println("  " + e.getValue() + " entries " + e.getKey()));
            report.notImported().forEach(line -> out.println("  " + line));
        }
        if (dryRun) {
            for (ImportedEntry e : outcome.entries()) {
                out.printf("%-5s  %s  first %s  last %s  requests %d  expires %s%n", e.entry().state().label(), e.key(),
                        e.entry().firstSeen(), e.entry().lastSeen(), e.entry().requests(), e.entry().expires());
            }
        }
    }

    private static Map<String, Object> json(ImportReport report, StoreImport.Outcome outcome, boolean dryRun) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", report.source());
        m.put("read", report.entriesRead());
        m.put("dry_run", dryRun);
        Map<String, Object> imported = new LinkedHashMap<>();
        for (GreylistState s : GreylistState.values()) imported.put(s.label(), outcome.written().get(s));
        m.put("imported", imported);
        m.put("kept", outcome.kept());
        m.put("merged", outcome.merged());
        m.put("lost", report.lost().stream().map(e -> Map.of("reason", e.getKey(), "count", e.getValue())).toList());
        m.put("not_imported", report.notImported());
        m.put("entries", outcome.entries().stream().map(e -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("key", e.key());
            entry.put("state", e.entry().state().label());
            entry.put("first_seen", e.entry().firstSeen().toString());
            entry.put("last_seen", e.entry().lastSeen().toString());
            entry.put("expires", e.entry().expires().toString());
            entry.put("requests", e.entry().requests());
            entry.put("from", e.origin());
            return entry;
        }).toList());
        return m;
    }

    private int convert(List<Named> named, Path output) {
        List<SourceFile> sources = new ArrayList<>();
        for (Named n : named) {
            try {
                sources.add(new SourceFile(n.file().toString(), n.kind(), Files.readAllLines(n.file(), StandardCharsets.UTF_8)));
            } catch (NoSuchFileException e) {
                if (n.optional()) continue;
                return unreadable(e, "name the whitelist files to convert");
            } catch (IOException e) {
                return unreadable(e, "check the file's permissions, or name another");
            }
        }
        if (sources.isEmpty()) {
            greylist.err().println("error: none of the default whitelist files exists; name the files to convert");
            return NO_INPUT;
        }
        WhitelistConversion.Converted c = WhitelistConversion.convert(sources);
        c.notTaken().forEach(line -> greylist.err().println("not taken: " + line));
        c.notes().forEach(line -> greylist.err().println("note: " + line));
        if (output == null) {
            c.lines().forEach(greylist.out()::println);
        } else {
            try {
                Files.write(output, c.lines(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
            } catch (FileAlreadyExistsException e) {
                greylist.err().println("error: " + output + " exists: name a new file (then point whitelist_hosts at it), or delete it");
                return CANNOT_CREATE;
            } catch (IOException e) {
                greylist.err().println("error: cannot write " + output + " (" + e.getMessage() + ")");
                return CANNOT_CREATE;
            }
            greylist.out().println("wrote " + c.entries() + " entries to " + output + "; name it in whitelist_hosts:"
                    + " (it exempts these clients from every check, not only greylisting)");
        }
        greylist.err().println(c.entries() + " entries converted, " + c.notTaken().size() + " not taken");
        return GreylistCommand.PASS;
    }

    /** A missing input (66, with how to name it), an unreadable one, or db_dump's failure (75). */
    private int unreadable(IOException e, String fix) {
        if (e instanceof NoSuchFileException) {
            greylist.err().println("error: " + e.getMessage() + " does not exist; " + fix);
            return NO_INPUT;
        }
        greylist.err().println("error: " + (e instanceof java.nio.file.AccessDeniedException
                ? "cannot read " + e.getMessage() + " (permission denied); run the import as a user who may read it"
                : e.getMessage()));
        return GreylistCommand.UNAVAILABLE;
    }
}
