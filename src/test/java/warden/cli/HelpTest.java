package warden.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import warden.Warden;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command and subcommand answers {@code --help} with its usage, and every option and argument says what it is. */
class HelpTest {

    /** The argument paths of every (sub)command: [serve], [greylist, check], ... */
    private static List<List<String>> commands(CommandLine cl, List<String> path, List<List<String>> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            List<String> sub = new ArrayList<>(path);
            sub.add(e.getKey());
            out.add(sub);
            commands(e.getValue(), sub, out);
        }
        return out;
    }

    private record Run(int rc, String out, String err) {}

    private static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Warden.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int rc = cl.execute(args.toArray(String[]::new));
        return new Run(rc, out.toString(), err.toString());
    }

    @Test
    void everySubcommandTakesHelp() {
        List<List<String>> all = commands(Warden.commandLine(), List.of(), new ArrayList<>());
        assertThat(all).contains(List.of("greylist", "check"), List.of("greylist", "list"), List.of("config", "check"),
                List.of("serve"));
        for (List<String> path : all) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run r = run(args);
            assertThat(r.rc()).as("warden %s --help exit status", path).isZero();
            assertThat(r.err()).as("warden %s --help on stderr", path).isEmpty();
            assertThat(r.out()).as("warden %s --help", path).startsWith("Usage: warden " + String.join(" ", path));
        }
    }

    @Test
    void everyOptionAndArgumentIsDescribed() {
        List<String> undescribed = new ArrayList<>();
        for (List<String> path : commands(Warden.commandLine(), List.of(), new ArrayList<>())) {
            CommandLine cl = Warden.commandLine();
            for (String name : path) cl = cl.getSubcommands().get(name);
            var spec = cl.getCommandSpec();
            for (var o : spec.options()) {
                if (String.join("", o.description()).isBlank()) undescribed.add(path + " " + o.longestName());
            }
            for (var p : spec.positionalParameters()) {
                if (String.join("", p.description()).isBlank()) undescribed.add(path + " " + p.paramLabel());
            }
            assertThat(String.join("", spec.usageMessage().description())).as("%s description", path).isNotBlank();
        }
        assertThat(undescribed).isEmpty();
    }

    @Test
    void theGreylistCheckUsageLineNamesTheTripletOnce() {
        Run r = run(List.of("greylist", "check", "--help"));
        String usage = r.out().lines().findFirst().orElseThrow();
        assertThat(usage).isEqualTo("Usage: warden greylist check [-hV] [--json] [-c=FILE] CLIENT SENDER RECIPIENT");
    }

    @Test
    void aMissingArgumentStillShowsTheUsage() {
        Run r = run(List.of("greylist", "check", "192.0.2.1"));
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("Missing required parameter").contains("Usage: warden greylist check")
                .doesNotContain("Exception");
    }
}
