package warden.submission;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What sendmail makes of the message on its standard input, octet for octet, before it is sent. */
class MessageIntakeTest {

    @TempDir
    Path dir;

    static final MessageIntake.Additions ADD = new MessageIntake.Additions("From: u@h.test", "Date: D", "Message-ID: <m@h.test>");

    private MessageIntake.Intake read(String input, boolean ignoreDots, boolean extract) throws IOException {
        return new MessageIntake(ignoreDots, extract, ADD).read(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), dir);
    }

    private static String text(MessageIntake.Intake i) throws IOException {
        return Files.readString(i.file(), StandardCharsets.UTF_8);
    }

    @Test
    void lfBecomesCrlfAndMissingHeadersAreAddedAtTheEndOfTheHeaderSection() throws IOException {
        MessageIntake.Intake i = read("Subject: s\nTo: a@x.test\n\nbody\n", true, false);
        assertThat(text(i)).isEqualTo("Subject: s\r\nTo: a@x.test\r\nFrom: u@h.test\r\nDate: D\r\nMessage-ID: <m@h.test>\r\n\r\nbody\r\n");
        assertThat(i.size()).isEqualTo(Files.size(i.file()));
        assertThat(i.eightBit()).isFalse();
        assertThat(Files.getPosixFilePermissions(i.file())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void presentHeadersAreNotAddedAndCrlfInputStaysAsItIs() throws IOException {
        String in = "From: a@x.test\r\nDATE: Tue, 1 Dec 2026 10:00:00 +0000\r\nmessage-id: <1@x.test>\r\n\r\nb\r\n";
        assertThat(text(read(in, true, false))).isEqualTo(in);
    }

    @Test
    void aMessageWithoutHeadersGetsThemAndTheEmptyLine() throws IOException {
        assertThat(text(read("just text\nmore\n", true, false)))
                .isEqualTo("From: u@h.test\r\nDate: D\r\nMessage-ID: <m@h.test>\r\n\r\njust text\r\nmore\r\n");
        assertThat(text(read("", true, false))).isEqualTo("From: u@h.test\r\nDate: D\r\nMessage-ID: <m@h.test>\r\n\r\n");
    }

    @Test
    void anMboxFromLineIsDroppedAndTheLastLineGetsItsEnd() throws IOException {
        assertThat(text(read("From alice Tue Dec  1 10:00:00 2026\nSubject: s\n\nno newline", true, false)))
                .isEqualTo("Subject: s\r\nFrom: u@h.test\r\nDate: D\r\nMessage-ID: <m@h.test>\r\n\r\nno newline\r\n");
    }

    @Test
    void theLoneDotEndsTheMessageUnlessDashI() throws IOException {
        String in = "Subject: s\n\na\n.\nb\n";
        assertThat(text(read(in, false, false))).endsWith("\r\n\r\na\r\n");
        assertThat(text(read(in, true, false))).endsWith("\r\n\r\na\r\n.\r\nb\r\n");
        assertThat(text(read("Subject: s\r\n\r\na\r\n.\r\nb\r\n", false, false))).endsWith("\r\n\r\na\r\n");
        // only a dot alone on its line
        assertThat(text(read("Subject: s\n\n..\n. \n.x\n", false, false))).endsWith("\r\n..\r\n. \r\n.x\r\n");
    }

    @Test
    void bccIsRemovedWithItsContinuationAndDashTCollectsToCcBcc() throws IOException {
        MessageIntake.Intake i = read("To: A <a@x.test>,\n b@x.test\ncc: c@x.test\nBcc: d@x.test,\n\te@x.test\nSubject: s\n\nbody\nTo: not@header.test\n", true, true);
        assertThat(text(i)).doesNotContain("d@x.test").doesNotContain("e@x.test").doesNotContainIgnoringCase("bcc")
                .startsWith("To: A <a@x.test>,\r\n b@x.test\r\ncc: c@x.test\r\nSubject: s\r\n");
        assertThat(i.headerRecipients()).containsExactly("a@x.test", "b@x.test", "c@x.test", "d@x.test", "e@x.test");
        // without -t the Bcc is still removed, and nothing is collected
        MessageIntake.Intake plain = read("Bcc: d@x.test\nSubject: s\n\nb\n", true, false);
        assertThat(text(plain)).doesNotContain("d@x.test");
        assertThat(plain.headerRecipients()).isEmpty();
    }

    @Test
    void linesOver998OctetsAreBrokenAsPostfixDoes() throws IOException {
        String longLine = "x".repeat(2500);
        String out = text(read("Subject: s\n\n" + longLine + "\n" + "y".repeat(998) + "\r\nend\n", true, false));
        String body = out.substring(out.indexOf("\r\n\r\n") + 4);
        assertThat(body).isEqualTo("x".repeat(998) + "\r\n " + "x".repeat(998) + "\r\n " + "x".repeat(504) + "\r\n"
                + "y".repeat(998) + "\r\nend\r\n");
        for (String line : out.split("\r\n")) assertThat(line.length()).isLessThanOrEqualTo(999);
    }

    @Test
    void eightBitContentIsNoticed() throws IOException {
        assertThat(read("Subject: s\n\nGrüße\n", true, false).eightBit()).isTrue();
    }

    @Test
    void aHugeMessageStreamsThroughASmallBuffer() throws IOException {
        long size = 64L << 20; // more than we would want in the heap
        InputStream in = new InputStream() {
            long left = size;
            @Override
            public int read() {
                if (left-- <= 0) return -1;
                return left % 80 == 0 ? '\n' : 'a';
            }
        };
        MessageIntake.Intake i = new MessageIntake(true, false, ADD).read(in, dir);
        assertThat(i.size()).isGreaterThan(size);
    }

    @Test
    void tooMuchAddressTextIsBadInputAndLeavesNoFile() throws IOException {
        StringBuilder to = new StringBuilder("To: a@x.test");
        while (to.length() <= MessageIntake.MAX_ADDRESS_TEXT + 10_000) to.append("\n ,").append("b".repeat(900)).append("@x.test");
        assertThatThrownBy(() -> read(to + "\n\nbody\n", true, true)).isInstanceOf(MessageIntake.BadInputException.class);
        try (var s = Files.list(dir)) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
