package warden.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import warden.config.ConfigLoader;
import warden.testing.Dialogue;
import warden.testing.TestDnsServer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code warden serve} wired from YAML: a client outside relay_networks cannot create mailboxes
 * at localhost, our host name or a local domain; existing Maildirs, {@code local_users} (re-read
 * when it changes) and virtual-domain targets are reachable (issue 7 section 4).
 */
class LocalMailboxesEndToEndTest {

    @TempDir
    Path dir;

    @Test
    void outsidersReachOnlyExistingOrNamedMailboxes() throws Exception {
        Path virtual = Files.createDirectories(dir.resolve("virtual"));
        Files.writeString(virtual.resolve("example.test"), "sales: dora@localhost\n");
        Files.createDirectories(dir.resolve("var/mail/eve/Maildir"));
        Path users = dir.resolve("local-users");
        Files.writeString(users, "# people with mail here\nfrank\n");
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.a("client.example.org", "127.0.0.1");
            serve(virtual, users, dns.address().getPort());
        }
        assertThat(dir.resolve("var/mail/mallory")).doesNotExist();
        assertThat(dir.resolve("var/mail/anything")).doesNotExist();
    }

    private void serve(Path virtual, Path users, int dnsPort) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Files.writeString(yaml, """
                hostname: mx.warden.test
                listen: ["127.0.0.1:0"]
                relay_networks: []
                local_domains: [example.net]
                data_dir: %s
                virtual_domains: %s
                local_users: %s
                dns: {servers: ["127.0.0.1:%d"], timeout: 1s}
                policy: {max_delay: 1s}
                checks:
                  client-no-ptr: {action: log}
                greylist: {enabled: false}
                """.formatted(dir.resolve("var"), virtual, users, dnsPort));
        try (ServeCommand.Running running = ServeCommand.start(ConfigLoader.load(yaml),
                new PrintStream(new ByteArrayOutputStream(), true))) {
            try (Dialogue d = Dialogue.connect(running.server().boundAddresses().get(0))) {
                d.expect(220).send("EHLO client.example.org").expect(250).send("MAIL FROM:<a@example.org>").expect(250)
                        .send("RCPT TO:<eve@localhost>").expect(250)
                        .send("RCPT TO:<frank@mx.warden.test>").expect(250)
                        .send("RCPT TO:<dora@example.net>").expect(250)
                        .send("RCPT TO:<postmaster@localhost>").expect(250)
                        .send("RCPT TO:<mallory@localhost>").expect(550, "5.1.1")
                        .send("RCPT TO:<anything@example.net>").expect(550, "5.1.1")
                        .send("RCPT TO:<grace@localhost>").expect(550, "5.1.1");
                Files.writeString(users, "frank\ngrace\n");
                Files.setLastModifiedTime(users, java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(10)));
                Thread.sleep(1100); // the file is looked at again at most once a second
                d.send("RCPT TO:<grace@localhost>").expect(250);
            }
        }
    }
}
