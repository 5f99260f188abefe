package warden.recipient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Which local mailboxes exist, for clients outside {@code relay_networks}: a mailbox exists when
 * its Maildir directory exists (the {@code mailbox} template with {@code {user}} filled in) or
 * when the {@code local_users} file names it. {@link DomainRouter} adds the mailboxes that a
 * virtual-domain file names as a target.
 *
 * <p>Without this, {@code anything@localhost} from anyone would create a Maildir called
 * {@code anything}: a stranger could fill the disk with directories.
 */
public final class LocalMailboxes {

    /** Knows no mailbox: only the targets of virtual-domain files are local users. */
    public static final LocalMailboxes NONE = new LocalMailboxes(null, Optional.empty());

    private static final String USER = "{user}";

    private final String template;
    private final Optional<LocalUsers> users;

    /**
     * @param mailboxTemplate the {@code mailbox} path template with {@code {user}}, or null to not
     *        look at the disk
     * @param users the {@code local_users} file, if configured
     */
    public LocalMailboxes(String mailboxTemplate, Optional<LocalUsers> users) {
        if (mailboxTemplate != null && !mailboxTemplate.contains(USER)) {
            throw new IllegalArgumentException("the mailbox path '" + mailboxTemplate + "' has no " + USER);
        }
        this.template = mailboxTemplate;
        this.users = users;
    }

    /** Whether {@code user}, a valid lower-case mailbox name, has a mailbox here. */
    public boolean exists(String user) {
        if (users.isPresent() && users.get().contains(user)) return true;
        return template != null && LocalPart.isMailboxName(user) && Files.isDirectory(Path.of(template.replace(USER, user)));
    }

    /** Problems in the {@code local_users} file, for {@code warden config check}. */
    public List<Problem> problems() {
        return users.map(LocalUsers::problems).orElse(List.of());
    }
}
