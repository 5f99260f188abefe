package warden;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import warden.cli.ConfigCommand;
import warden.cli.CheckHeloCommand;
import warden.cli.DoctorCommand;
import warden.cli.ServeCommand;
import warden.cli.SimulateCommand;

/**
 * The {@code warden} command: the mail server and the operator's tools, one subcommand each.
 *
 * <p>Errors reach the user as one clear sentence and a non-zero exit, never a stack trace
 * (set {@code WARDEN_DEBUG=1} to see one).
 */
@Command(name = "warden", mixinStandardHelpOptions = true, version = "Warden 0.1.0",
        description = "An ESMTP server that judges every client by how it behaves in the dialogue.",
        subcommands = {ServeCommand.class, ConfigCommand.class, SimulateCommand.class, CheckHeloCommand.class, DoctorCommand.class, CommandLine.HelpCommand.class})
public final class Warden implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    private static warden.greylist.GreylistAdmin greylistAdmin(java.util.Optional<java.nio.file.Path> config) {
        var c = warden.config.ConfigLoader.load(config.orElse(null));
        var clock = java.time.Clock.systemUTC();
        var store = warden.greylist.GreylistStores.open(c.greylist().store(), c.dataDir(), clock);
        return new warden.greylist.GreylistAdmin(store, c.greylist().settings(), clock);
    }

    /** The configured command line, shared by main and the tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Warden());
        cl.addSubcommand("greylist", new CommandLine(new warden.cli.GreylistCommand(Warden::greylistAdmin)));
        cl.addSubcommand("queue", new CommandLine(new warden.cli.QueueCommand()));
        cl.addSubcommand("passwd", new CommandLine(new warden.cli.PasswdCommand()));
        cl.addSubcommand("sendmail", warden.cli.SendmailCommand.commandLine(new warden.cli.SendmailCommand()));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (System.getenv("WARDEN_DEBUG") != null) e.printStackTrace();
            String message = e instanceof warden.config.ConfigException ? "configuration errors:\n" + e.getMessage()
                    : e.getMessage() == null ? e.toString() : e.getMessage();
            cmd.getErr().println("warden " + cmd.getCommandName() + ": " + message);
            return 2;
        });
        return cl;
    }
}
