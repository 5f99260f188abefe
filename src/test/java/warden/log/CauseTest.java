package warden.log;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import static org.assertj.core.api.Assertions.assertThat;

/** A failure's reason in the words an administrator searches for, not only the path java.nio gives. */
class CauseTest {

    @Test
    void theReasonJavaNioKeepsInTheTypeIsWrittenOut() {
        assertThat(Cause.of(new AccessDeniedException("/var/mail/bob/Maildir/tmp/1.x")))
                .isEqualTo("/var/mail/bob/Maildir/tmp/1.x: Permission denied");
        assertThat(Cause.of(new NoSuchFileException("/srv/spool"))).isEqualTo("/srv/spool: No such file or directory");
        assertThat(Cause.of(new FileSystemException("/srv", null, "Read-only file system"))).isEqualTo("/srv: Read-only file system");
    }

    @Test
    void aWrappedCauseIsNotLost() {
        IOException wrapped = new IOException("cannot fsync /var/mail/bob/Maildir/new: /var/mail/bob/Maildir/new",
                new AccessDeniedException("/var/mail/bob/Maildir/new"));
        assertThat(Cause.of(wrapped)).isEqualTo("cannot fsync /var/mail/bob/Maildir/new: /var/mail/bob/Maildir/new"
                + " (/var/mail/bob/Maildir/new: Permission denied)");
        assertThat(Cause.of(new UncheckedIOException(new NoSuchFileException("/x"))))
                .contains("/x: No such file or directory").doesNotContain("(/x: No such file or directory) (");
        assertThat(Cause.of(new IOException())).isEqualTo("IOException");
    }
}
