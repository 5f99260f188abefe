package warden.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import warden.config.ConfigException;
import warden.config.ConfigLoader;
import warden.config.ConfigProblem;
import warden.config.WardenConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code warden config check FILE}: validates a configuration and the files it names without
 * starting anything; prints every problem with file, line and fix, and exits 1 if there is one.
 */
@Command(name = "config", description = "Work with the configuration file.",
        subcommands = {ConfigCommand.Check.class}, mixinStandardHelpOptions = true)
public final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "check", description = "Validate FILE (and the list files it names) without starting Warden.",
            mixinStandardHelpOptions = true)
    public static final class Check implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE", arity = "0..1", description = "the configuration to check")
        Path file;

        @picocli.CommandLine.Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "same as FILE")
        Path configOption;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path target = file != null ? file : configOption;
            List<ConfigProblem> problems = new ArrayList<>();
            WardenConfig config = null;
            try {
                config = ConfigLoader.load(target);
                problems.addAll(Components.validateFiles(config));
            } catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            var out = spec.commandLine().getOut();
            if (problems.isEmpty()) {
                out.println((target == null ? "built-in defaults" : target) + ": OK");
                out.println("  hostname " + config.hostname() + ", listening on " + config.listen()
                        + ", data in " + config.dataDir());
                config.doors().greylistd().ifPresent(d -> out.println("  greylistd door on " + d.addresses()
                        + " (mode " + String.format("%04o", d.mode()) + d.group().map(g -> ", group " + g).orElse("") + ")"));
                config.doors().postfix().ifPresent(d -> out.println("  Postfix policy door on " + d.listen()
                        + " (answer " + d.answer().name().toLowerCase(java.util.Locale.ROOT) + ", max_delay " + d.maxDelay().toSeconds() + "s)"));
                Components.warnings(config).forEach(w -> out.println("  warning: " + w));
                return 0;
            }
            var err = spec.commandLine().getErr();
            err.println(problems.size() + (problems.size() == 1 ? " problem:" : " problems:"));
            problems.forEach(p -> err.println("  " + p));
            return 1;
        }
    }
}
