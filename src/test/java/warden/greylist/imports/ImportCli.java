package warden.greylist.imports;

import picocli.CommandLine;
import warden.cli.GreylistCommand;
import warden.greylist.GreylistAdmin;
import warden.greylist.GreylistEntry;
import warden.greylist.GreylistSettings;
import warden.greylist.SqliteGreylistStore;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.SortedMap;

/** {@code warden greylist …} as the operator runs it, on a real SQLite store in a test directory. */
final class ImportCli {

    record Run(int status, String out, String err) {}

    private final Path store;
    private final GreylistSettings settings;
    private final Clock clock = Clock.systemUTC();

    ImportCli(Path dataDir, GreylistSettings settings) {
        this.store = dataDir.resolve(SqliteGreylistStore.FILE_NAME);
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
        return new GreylistAdmin(new SqliteGreylistStore(store, clock, Duration.ZERO), settings, clock);
    }

    /** Every entry in the store, as a fresh connection reads it. */
    SortedMap<String, GreylistEntry> entries() {
        try (SqliteGreylistStore s = new SqliteGreylistStore(store, clock, Duration.ZERO)) {
            return s.entries();
        }
    }

    SqliteGreylistStore open() {
        return new SqliteGreylistStore(store, clock, Duration.ZERO);
    }
}
