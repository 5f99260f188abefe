package warden.submission;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@code sendmail}, parsed the way Postfix's sendmail(1) parses it: getopt
 * rules (flags grouped as {@code -ti}, an option's value attached as {@code -fbob@x} or in the next
 * argument as {@code -f bob@x}, options and recipients in any order, {@code --} ends the options),
 * and the options Postfix accepts but ignores ({@code -oem}, {@code -odi}, {@code -odb},
 * {@code -oQ...}, {@code -B8BITMIME}, {@code -X}, {@code -L}, {@code -h}, {@code -e}, {@code -m},
 * {@code -v} aside) accepted and ignored.
 *
 * <p>Warden's own long options: {@code --config FILE} (also {@code -C FILE}, the sendmail option
 * for another configuration) and {@code --server ADDR:PORT} (submit there instead of the first
 * loopback listener of the configuration).
 *
 * @param mode what to do: {@code m} (read a message and send it, the default), {@code s} (SMTP on
 *        standard input and output), {@code p} (list the queue, as mailq), {@code i} (newaliases)
 * @param recipients the addresses given as arguments (each may be a comma-separated list)
 * @param sender {@code -f}/{@code -r}: the envelope sender ({@code ""} or {@code <>} for the null sender)
 * @param fullName {@code -F}: the full name for a {@code From:} header that Warden adds
 * @param extractRecipients {@code -t}: recipients also from To:, Cc: and Bcc:
 * @param ignoreDots {@code -i}/{@code -oi}: a line with a single dot does not end the message
 * @param dsnNotify {@code -N}: the DSN NOTIFY parameter for every recipient
 * @param ret {@code -R}: the DSN RET parameter ({@code full} or {@code hdrs})
 * @param envelopeId {@code -V}: the DSN ENVID parameter
 * @param verbose {@code -v}: the SMTP dialogue on standard error
 * @param config {@code --config}/{@code -C}: the Warden configuration file
 * @param server {@code --server}: where to submit, instead of the configuration's listener
 *
 * <h2>Standards</h2>
 * Postfix sendmail(1) and its getopt string; sendmail(8) for {@code -t}, {@code -i}, {@code -oi};
 * POSIX getopt for grouping and {@code --}; sysexits(3) EX_USAGE for every refusal here.
 *
 * <p>Not done: {@code -q} (queue runs are immediate in Warden: use {@code warden queue retry}),
 * {@code -bv}, {@code -bt}, {@code -bd}; the obsolete {@code -t} behaviour of sendmail 8 that
 * drops the argument recipients (Postfix adds them, and so do we).
 */
public record SendmailArguments(char mode, List<String> recipients, Optional<String> sender, Optional<String> fullName,
                                boolean extractRecipients, boolean ignoreDots, Optional<String> dsnNotify,
                                Optional<String> ret, Optional<String> envelopeId, boolean verbose,
                                Optional<Path> config, Optional<String> server) {

    /** Options that take a value (Postfix: {@code A:B:C:F:L:N:O:R:V:X:b:e:f:h:o:p:r:q:}). */
    private static final String WITH_VALUE = "ABCFLNORVXbefhopr";
    /** Flags Postfix accepts; those without a meaning for us are ignored. */
    private static final String FLAGS = "46GIUcimntvx";
    /** The {@code -b} modes we do. */
    private static final String MODES = "mspi";

    public SendmailArguments {
        recipients = List.copyOf(recipients);
    }

    /** A command line sendmail refuses: exit 64 (EX_USAGE) with this message. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String message) {
            super(message);
        }
    }

    /**
     * Parses {@code args}.
     *
     * @throws UsageException naming the option that is wrong
     */
    public static SendmailArguments parse(List<String> args) {
        Builder b = new Builder();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                b.recipients.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (a.startsWith("--")) {
                i = longOption(b, args, i);
                continue;
            }
            if (a.length() < 2 || a.charAt(0) != '-') {
                b.recipients.add(a);
                continue;
            }
            for (int k = 1; k < a.length(); k++) {
                char c = a.charAt(k);
                if (WITH_VALUE.indexOf(c) >= 0) {
                    String value;
                    if (k + 1 < a.length()) {
                        value = a.substring(k + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new UsageException("option -" + c + " needs a value");
                    }
                    option(b, c, value);
                    break;
                } else if (c == 'q') {
                    throw new UsageException("-q: Warden runs its queue continuously; use 'warden queue retry --all'");
                } else if (FLAGS.indexOf(c) >= 0) {
                    if (c == 't') b.extractRecipients = true;
                    if (c == 'i') b.ignoreDots = true;
                    if (c == 'v') b.verbose = true;
                } else {
                    throw new UsageException("unknown option -" + c);
                }
            }
        }
        return new SendmailArguments(b.mode, b.recipients, b.sender, b.fullName, b.extractRecipients, b.ignoreDots,
                b.dsnNotify, b.ret, b.envelopeId, b.verbose, b.config, b.server);
    }

    private static int longOption(Builder b, List<String> args, int i) {
        String a = args.get(i);
        int eq = a.indexOf('=');
        String name = eq < 0 ? a : a.substring(0, eq);
        if (!name.equals("--config") && !name.equals("--server")) {
            throw new UsageException("unknown option " + name + " (Warden's sendmail takes --config FILE and --server ADDR:PORT)");
        }
        String value;
        if (eq >= 0) {
            value = a.substring(eq + 1);
        } else if (i + 1 < args.size()) {
            value = args.get(++i);
        } else {
            throw new UsageException(name + " needs a value");
        }
        if (name.equals("--config")) b.config = Optional.of(Path.of(value));
        else b.server = Optional.of(value);
        return i;
    }

    private static void option(Builder b, char c, String value) {
        switch (c) {
            case 'f', 'r' -> b.sender = Optional.of(value);
            case 'F' -> b.fullName = Optional.of(value);
            case 'C' -> b.config = Optional.of(Path.of(value));
            case 'N' -> b.dsnNotify = Optional.of(notify(value));
            case 'R' -> {
                String r = value.toUpperCase(java.util.Locale.ROOT);
                if (!r.equals("FULL") && !r.equals("HDRS")) throw new UsageException("-R takes full or hdrs, not " + value);
                b.ret = Optional.of(r);
            }
            case 'V' -> b.envelopeId = Optional.of(value);
            case 'b' -> {
                if (value.length() != 1 || MODES.indexOf(value.charAt(0)) < 0) {
                    throw new UsageException("-b" + value + " is not supported (Warden's sendmail does -bm, -bs, -bp and -bi)");
                }
                b.mode = value.charAt(0);
            }
            case 'o' -> {
                // -oi is -i; -oem, -odi, -odb, -om, -oQ... and the rest are sendmail options we ignore, as Postfix does
                if (value.equals("i")) b.ignoreDots = true;
            }
            default -> {
                // -A -B -L -O -X -e -h -p: accepted and ignored, as Postfix does
            }
        }
    }

    /** {@code -N}: NEVER, or a comma-separated list of SUCCESS, FAILURE, DELAY (RFC 3461 4.1). */
    private static String notify(String value) {
        String v = value.toUpperCase(java.util.Locale.ROOT);
        if (v.equals("NEVER")) return v;
        for (String part : v.split(",", -1)) {
            if (!part.equals("SUCCESS") && !part.equals("FAILURE") && !part.equals("DELAY")) {
                throw new UsageException("-N takes never or a list of success, failure, delay; not " + value);
            }
        }
        return v;
    }

    private static final class Builder {
        char mode = 'm';
        final List<String> recipients = new ArrayList<>();
        Optional<String> sender = Optional.empty();
        Optional<String> fullName = Optional.empty();
        boolean extractRecipients;
        boolean ignoreDots;
        Optional<String> dsnNotify = Optional.empty();
        Optional<String> ret = Optional.empty();
        Optional<String> envelopeId = Optional.empty();
        boolean verbose;
        Optional<Path> config = Optional.empty();
        Optional<String> server = Optional.empty();
    }
}
