package warden.greylist.imports;

import picocli.CommandLine;
import warden.cli.GreylistCommand;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistSettings;
import warden.greylist.GreylistStore;
import warden.greylist.SqliteGreylistStore;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.SortedMap;
import java.util.function.Supplier;

/** {@code warden greylist …} as the operator runs it, on a real SQLite store in a test directory. */
final class ImportCli {

    record Run(int status, String out, String err) {}

    private final Supplier<GreylistStore> stores;
    private final GreylistSettings settings;
    private static final Clock CLOCK = Clock.systemUTC();

    /** On a SQLite store under {@code dataDir}. */
    ImportCli(Path dataDir, GreylistSettings settings) {
        this(() -> new SqliteGreylistStore(dataDir.resolve(SqliteGreylistStore.FILE_NAME), CLOCK, Duration.ZERO), settings);
    }

    /** On the stores {@code stores} opens (a Redis one, say). */
    ImportCli(Supplier<GreylistStore> stores, GreylistSettings settings) {
        this.stores = stores;
        this.settings = settings;
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GreylistCommand(config -> admin()));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    GreylistAdmin admin() {
        return new GreylistAdmin(stores.get(), settings, CLOCK);
    }

    /** Every entry in the store, as a fresh connection reads it. */
    SortedMap<String, GreylistEntry> entries() {
        try (GreylistStore s = stores.get()) {
            return s.entries();
        }
    }

    /** A new connection to the store. */
    GreylistStore open() {
        return stores.get();
    }
}
