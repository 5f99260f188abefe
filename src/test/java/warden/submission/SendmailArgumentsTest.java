package warden.submission;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** sendmail's command line as cron, mail(1), PHP and git write it, parsed by getopt rules as Postfix does. */
class SendmailArgumentsTest {

    private static SendmailArguments parse(String... args) {
        return SendmailArguments.parse(List.of(args));
    }

    @Test
    void cronsCommandLine() {
        // Debian cron: sendmail -i -FCronDaemon -B8BITMIME -oem root
        SendmailArguments a = parse("-i", "-FCronDaemon", "-B8BITMIME", "-oem", "root");
        assertThat(a.ignoreDots()).isTrue();
        assertThat(a.fullName()).contains("CronDaemon");
        assertThat(a.recipients()).containsExactly("root");
        assertThat(a.mode()).isEqualTo('m');
    }

    @Test
    void phpAndGitCommandLines() {
        // PHP's sendmail_path "sendmail -t -i", with -f added by mail()'s fifth argument
        SendmailArguments php = parse("-t", "-i", "-fwww@example.org");
        assertThat(php.extractRecipients()).isTrue();
        assertThat(php.sender()).contains("www@example.org");
        assertThat(php.recipients()).isEmpty();
        // git send-email: sendmail -i -f <from> <recipients...>
        SendmailArguments git = parse("-i", "-f", "dev@example.org", "a@example.net", "b@example.net");
        assertThat(git.sender()).contains("dev@example.org");
        assertThat(git.recipients()).containsExactly("a@example.net", "b@example.net");
    }

    @Test
    void groupedFlagsAndAValueInTheNextArgument() {
        SendmailArguments a = parse("-tif", "alice@example.org", "-oi", "bob@example.net");
        assertThat(a.extractRecipients()).isTrue();
        assertThat(a.ignoreDots()).isTrue();
        assertThat(a.sender()).contains("alice@example.org");
        assertThat(a.recipients()).containsExactly("bob@example.net");
        assertThat(parse("-r", "x@example.org", "y").sender()).contains("x@example.org");
    }

    @Test
    void ignoredOptionsAsPostfixIgnoresThem() {
        SendmailArguments a = parse("-odi", "-odb", "-oem", "-om", "-oQ/var/spool", "-X", "/tmp/log", "-L", "tag", "-h", "30",
                "-e", "x", "-m", "-O", "DeliveryMode=b", "bob");
        assertThat(a.recipients()).containsExactly("bob");
        assertThat(a.ignoreDots()).isFalse();
    }

    @Test
    void doubleDashEndsTheOptions() {
        SendmailArguments a = parse("-i", "--", "-notanoption@example.org", "-t");
        assertThat(a.recipients()).containsExactly("-notanoption@example.org", "-t");
        assertThat(a.extractRecipients()).isFalse();
    }

    @Test
    void optionsAfterRecipientsStillCount() {
        SendmailArguments a = parse("bob@example.net", "-f", "alice@example.org");
        assertThat(a.recipients()).containsExactly("bob@example.net");
        assertThat(a.sender()).contains("alice@example.org");
    }

    @Test
    void wardensLongOptionsAndDashC() {
        assertThat(parse("--config", "/etc/warden.yaml", "x").config()).contains(Path.of("/etc/warden.yaml"));
        assertThat(parse("--config=/etc/w.yaml", "x").config()).contains(Path.of("/etc/w.yaml"));
        assertThat(parse("-C", "/etc/c.yaml", "x").config()).contains(Path.of("/etc/c.yaml"));
        assertThat(parse("--server", "127.0.0.1:2525", "x").server()).contains("127.0.0.1:2525");
    }

    @Test
    void modesAndDsnOptions() {
        assertThat(parse("-bs").mode()).isEqualTo('s');
        assertThat(parse("-bi").mode()).isEqualTo('i');
        SendmailArguments a = parse("-N", "failure,delay", "-R", "hdrs", "-V", "id 1", "x");
        assertThat(a.dsnNotify()).contains("FAILURE,DELAY");
        assertThat(a.ret()).contains("HDRS");
        assertThat(a.envelopeId()).contains("id 1");
        assertThat(parse("x").dsnNotify()).isEqualTo(Optional.empty());
    }

    @Test
    void refusals() {
        assertThatThrownBy(() -> parse("-f")).hasMessageContaining("-f needs a value");
        assertThatThrownBy(() -> parse("-k", "x")).hasMessageContaining("unknown option -k");
        assertThatThrownBy(() -> parse("-bd")).hasMessageContaining("-bd is not supported");
        assertThatThrownBy(() -> parse("-q")).hasMessageContaining("warden queue retry");
        assertThatThrownBy(() -> parse("-N", "sometimes", "x")).hasMessageContaining("-N");
        assertThatThrownBy(() -> parse("-R", "most", "x")).hasMessageContaining("-R");
        assertThatThrownBy(() -> parse("--verbose")).hasMessageContaining("unknown option --verbose");
    }
}
