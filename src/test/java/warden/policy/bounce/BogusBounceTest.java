package warden.policy.bounce;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.policy.Finding;
import warden.policy.SessionSnapshot;
import warden.policy.Snapshots;
import warden.policy.Stage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Seed 004's collateral-spam rule over real bounce-recipient files. */
class BogusBounceTest {

    @TempDir
    Path dir;

    final List<String> log = new CopyOnWriteArrayList<>();
    BounceRecipients recipients;
    BogusBounce check;

    @BeforeEach
    void files() throws Exception {
        // the seed's example file
        Files.writeString(dir.resolve("moser-naef.ch"), "postmaster\npatrick\nfrancesca\nfm\n");
        Files.writeString(dir.resolve("herzbube.ch"), "# every address sends mail here\n*\n");
        recipients = new BounceRecipients(dir, log::add);
        check = new BogusBounce(recipients);
    }

    private Finding judge(String sender, String recipient) {
        SessionSnapshot s = Snapshots.client("192.0.2.7").helo("mx.example.net").mail(sender).rcpt(recipient);
        assertThat(s.stage()).isEqualTo(Stage.RCPT);
        return check.check(s);
    }

    @ParameterizedTest(name = "<{0}> to <{1}>: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            ''                          | patrick@moser-naef.ch        | PASS
            ''                          | Patrick@Moser-Naef.CH        | PASS
            ''                          | info@moser-naef.ch           | FAIL
            ''                          | patric\u212A@moser-naef.ch   | FAIL
            ''                          | postmaster@moser-naef.ch     | PASS
            ''                          | PostMaster@moser-naef.ch     | PASS
            ''                          | fm=tag@moser-naef.ch         | PASS
            ''                          | prvs=0123=info@moser-naef.ch | FAIL
            postmaster@elsewhere.example | info@moser-naef.ch           | FAIL
            POSTMASTER@elsewhere.example | francesca@moser-naef.ch      | PASS
            alice@elsewhere.example      | info@moser-naef.ch           | SKIP
            ''                          | anyone@herzbube.ch           | PASS
            ''                          | anyone@nofile.example        | SKIP
            """)
    void theSeedsRule(String sender, String recipient, Finding.Outcome outcome) {
        assertThat(judge(sender, recipient).outcome()).isEqualTo(outcome);
    }

    @Test
    void theRefusalIsTheSeedsMessage() {
        Finding f = judge("", "info@moser-naef.ch");
        assertThat(f.reason()).startsWith(BogusBounce.MESSAGE).contains("bogus bounce for <info@moser-naef.ch>");
        assertThat(check.refusal(f, true)).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.7.1");
            assertThat(r.lines()).containsExactly("This address never sends outgoing mail. You are responding to a forged sender address.");
        });
    }

    @Test
    void anEditedFileIsReadAgainWithoutARestart() throws Exception {
        assertThat(judge("", "info@moser-naef.ch").outcome()).isEqualTo(Finding.Outcome.FAIL);
        Path file = dir.resolve("moser-naef.ch");
        Files.writeString(file, "postmaster\npatrick\ninfo\n");
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        assertThat(judge("", "info@moser-naef.ch").outcome()).isEqualTo(Finding.Outcome.PASS);
        assertThat(judge("", "francesca@moser-naef.ch").outcome()).isEqualTo(Finding.Outcome.FAIL);
        Files.delete(file);
        assertThat(judge("", "francesca@moser-naef.ch").outcome()).as("no file, no check").isEqualTo(Finding.Outcome.SKIP);
    }

    @Test
    void badLinesAreReportedWithFileAndLineAndLeftOut() throws Exception {
        Files.writeString(dir.resolve("example.org"), "patrick\npatrick@example.org\ntwo words\nfm # comment\n");
        assertThat(recipients.validate()).extracting(Object::toString).containsExactlyInAnyOrder(
                dir.resolve("example.org") + ":2: 'patrick@example.org' is an address, not a local part (fix: write only the part before the @ ('patrick'))",
                dir.resolve("example.org") + ":3: 'two words' is not one local part (fix: write one local part per line, e.g. patrick)");
        assertThat(judge("", "fm@example.org").outcome()).isEqualTo(Finding.Outcome.PASS);
        assertThat(judge("", "two@example.org").outcome()).isEqualTo(Finding.Outcome.FAIL);
        assertThat(log).anySatisfy(l -> assertThat(l).contains("example.org:2:"));
        assertThat(new BounceRecipients(dir.resolve("missing"), log::add).validate())
                .singleElement().satisfies(p -> assertThat(p.message()).contains("does not exist"));
    }
}
