package warden.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import warden.config.ConfigException;
import warden.config.ConfigLoader;
import warden.config.WardenConfig;
import warden.submission.Sendmail;
import warden.submission.SendmailArguments;
import warden.submission.Sysexits;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code warden sendmail}: the sendmail(1) command line that cron, mail(1), PHP's mail() and git
 * send-email use, so that {@code /usr/sbin/sendmail} can point at Warden (see
 * {@code scripts/sendmail}). The arguments are sendmail's, parsed by {@link SendmailArguments}
 * (not by picocli, whose rules are not getopt's); the work is {@link Sendmail}'s.
 *
 * <p>Exit statuses are sysexits(3) ({@link Sysexits}): 0 only when the server took the message,
 * 75 when it is down or answered 4xx, 65 bad input, 67 a recipient refused, 64 a bad command
 * line, 78 a configuration without a listener to submit to. Problems go to standard error, one
 * line each, never a stack trace.
 */
@Command(name = "sendmail", sortOptions = false,
        description = "Submit a message from standard input to the running server, as sendmail(1) does.",
        footer = {"",
                "Options (sendmail's, parsed as getopt does: -ti, -fADDR and -f ADDR all work):",
                "  -t               recipients also from To:, Cc:, Bcc: (Bcc: is removed)",
                "  -f ADDR, -r ADDR the envelope sender (default: login user @ hostname)",
                "  -F NAME          the full name in a From: header that sendmail adds",
                "  -i, -oi          a line with a single dot does not end the message",
                "  -bs              an SMTP dialogue on standard input and output",
                "  -bi              newaliases: nothing to do (files are re-read on change)",
                "  -bp              list the queue (mailq): warden queue list",
                "  -N NOTIFY, -R full|hdrs, -V ENVID   DSN parameters, when the server offers DSN",
                "  -v               show the SMTP dialogue on standard error",
                "  -oem -odi -odb -oQ... -B8BITMIME -L -X -h -e -m -O   accepted and ignored",
                "  --config FILE, -C FILE   the Warden configuration",
                "  --server ADDR:PORT       submit there, not to the first loopback listener",
                "",
                "Exit status (sysexits): 0 the server took the message; 64 usage; 65 bad input",
                "or sender/content refused; 67 a recipient refused (nobody got it); 75 server",
                "down or 4xx (nothing sent, try again); 78 no loopback listener configured."})
public final class SendmailCommand implements Callable<Integer> {

    @Option(names = "--help", usageHelp = true, description = "show this help and exit")
    boolean help;

    @Parameters(paramLabel = "ARG", arity = "0..*",
            description = "sendmail options and recipient addresses, in any order; '--' ends the options")
    List<String> args = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Standard input and output; tests replace them. */
    InputStream stdin = System.in;
    OutputStream stdout = System.out;

    /**
     * The command line for this command: every argument except {@code --help} goes to
     * {@link SendmailArguments} untouched, {@code --} included.
     */
    public static CommandLine commandLine(SendmailCommand command) {
        CommandLine cl = new CommandLine(command);
        cl.setUnmatchedOptionsArePositionalParams(true);
        cl.setEndOfOptionsDelimiter("--\u0000never");
        return cl;
    }

    /** {@code -bp}, what {@code mailq} runs: {@code warden queue list} on the same configuration. */
    private int mailq(SendmailArguments parsed) {
        CommandLine queue = new CommandLine(new QueueCommand());
        queue.setOut(spec.commandLine().getOut());
        queue.setErr(spec.commandLine().getErr());
        List<String> args = new ArrayList<>(List.of("list"));
        parsed.config().ifPresent(c -> args.addAll(List.of("--config", c.toString())));
        return queue.execute(args.toArray(String[]::new));
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SendmailArguments parsed;
        try {
            parsed = SendmailArguments.parse(args);
        } catch (SendmailArguments.UsageException e) {
            err.println("sendmail: " + e.getMessage() + " (warden sendmail --help lists the options)");
            err.flush();
            return Sysexits.USAGE;
        }
        WardenConfig config;
        try {
            config = ConfigLoader.load(parsed.config().orElse(null));
        } catch (ConfigException e) {
            err.println("sendmail: the configuration cannot be used: " + e.getMessage().replace('\n', ' '));
            err.flush();
            return Sysexits.CONFIG;
        }
        Sendmail sendmail = new Sendmail(config, err, Clock.systemDefaultZone(), System.getProperty("user.name"));
        return switch (parsed.mode()) {
            case 's' -> sendmail.relaySmtp(parsed, stdin, stdout);
            case 'i' -> Sysexits.OK; // newaliases: Warden reads the virtual-domain files again when they change
            case 'p' -> mailq(parsed);
            default -> sendmail.send(parsed, stdin);
        };
    }
}
