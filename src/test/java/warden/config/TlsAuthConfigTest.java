package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The TLS and AUTH keys of issue 9 (tls.*, auth.*, a listener's role and allow_plaintext_auth). */
class TlsAuthConfigTest {

    @Test
    void withoutTlsOrAuthKeysNothingIsOfferedAndListenersAreMx() {
        WardenConfig c = ConfigLoader.parse("hostname: mx.example.org\n", "w.yaml");
        assertThat(c.tls()).isEqualTo(WardenConfig.Tls.NONE);
        assertThat(c.tls().configured()).isFalse();
        assertThat(c.auth()).isEqualTo(WardenConfig.Auth.NONE);
        assertThat(c.auth().configured()).isFalse();
        assertThat(c.listen()).allSatisfy(l -> {
            assertThat(l.role()).isEqualTo(WardenConfig.Role.MX);
            assertThat(l.allowPlaintextAuth()).isFalse();
        });
    }

    @Test
    void everyKeyIsRead() {
        WardenConfig c = ConfigLoader.parse("""
                hostname: mx.example.org
                listen:
                  - "127.0.0.1:25"
                  - {address: "127.0.0.1:587", role: submission}
                  - {address: "127.0.0.1:465", role: submissions}
                  - {address: "127.0.0.1:2587", role: submission, allow_plaintext_auth: true}
                tls:
                  certificate: /etc/letsencrypt/live/mx/fullchain.pem
                  key: /etc/letsencrypt/live/mx/privkey.pem
                  certificates:
                    - {certificate: /etc/letsencrypt/live/other/fullchain.pem, key: /etc/letsencrypt/live/other/privkey.pem}
                  protocols: [TLSv1.3]
                auth:
                  ldap:
                    url: ldap://127.0.0.1:389
                    bind_dn: cn=warden,dc=example,dc=org
                    bind_password_file: /etc/warden/ldap.secret
                    base: ou=people,dc=example,dc=org
                    filter: (&(objectClass=mailUser)(uid={user}))
                    timeout: 3s
                  sender_login: /etc/warden/sender_login
                  max_failures: 3
                  failure_window: 1h
                  show_in_received: true
                """, "w.yaml");
        assertThat(c.listen()).extracting(WardenConfig.Listener::role).containsExactly(WardenConfig.Role.MX,
                WardenConfig.Role.SUBMISSION, WardenConfig.Role.SUBMISSIONS, WardenConfig.Role.SUBMISSION);
        assertThat(c.listen()).extracting(WardenConfig.Listener::allowPlaintextAuth).containsExactly(false, false, false, true);
        assertThat(c.tls().pairs()).containsExactly(
                new WardenConfig.CertificatePair(Path.of("/etc/letsencrypt/live/mx/fullchain.pem"),
                        Path.of("/etc/letsencrypt/live/mx/privkey.pem")),
                new WardenConfig.CertificatePair(Path.of("/etc/letsencrypt/live/other/fullchain.pem"),
                        Path.of("/etc/letsencrypt/live/other/privkey.pem")));
        assertThat(c.tls().protocols()).containsExactly("TLSv1.3");
        assertThat(c.auth().ldap()).contains(new WardenConfig.Ldap("ldap://127.0.0.1:389",
                Optional.of("cn=warden,dc=example,dc=org"), Optional.of(Path.of("/etc/warden/ldap.secret")),
                "ou=people,dc=example,dc=org", "(&(objectClass=mailUser)(uid={user}))", Duration.ofSeconds(3)));
        assertThat(c.auth().passwdFile()).isEmpty();
        assertThat(c.auth().senderLogin()).contains(Path.of("/etc/warden/sender_login"));
        assertThat(c.auth().maxFailures()).isEqualTo(3);
        assertThat(c.auth().failureWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(c.auth().showInReceived()).isTrue();
        assertThat(c.auth().configured()).isTrue();
    }

    @Test
    void defaultProtocolsAreTls12AndTls13() {
        WardenConfig c = ConfigLoader.parse("hostname: mx.example.org\ntls: {certificate: /c.pem, key: /k.pem}\n", "w.yaml");
        assertThat(c.tls().protocols()).isEqualTo(List.of("TLSv1.2", "TLSv1.3"));
        assertThat(c.tls().configured()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "tls: {certificate: /c.pem}|1|tls.certificate is set but tls.key is not",
            "tls: {key: /k.pem}|1|tls.key is set but tls.certificate is not",
            "tls: {certificate: /c.pem, key: /k.pem, protocols: [TLSv1.1]}|1|'TLSv1.1' is not TLSv1.2 or TLSv1.3",
            "tls:\\n  certificates:\\n    - {certificate: /c.pem}|3|each item needs both certificate and key",
            "tls:\\n  certficate: /c.pem|2|did you mean 'tls.certificate'",
            "auth:\\n  ldap: {base: dc=x}|2|auth.ldap needs url",
            "auth:\\n  ldap: {url: ldap://h, base: dc=x, filter: (uid=x)}|2|has no {user} placeholder",
            "auth:\\n  ldap: {url: 'http://h', base: dc=x}|2|is not ldap://host[:port]",
            "auth:\\n  ldap: {url: ldap://h, base: dc=x, bind_dn: cn=a}|2|go together",
            "auth:\\n  ldap: {url: ldap://h, base: dc=x, filter: '(&(uid={user})'}|2|is not an LDAP filter",
            "auth:\\n  ldap: {url: ldap://h, base: 'people'}|2|is not a DN",
            "auth:\\n  ldap: {url: ldap://h, base: dc=x, bind_dn: warden, bind_password_file: /s}|2|is not a DN",
            "auth:\\n  max_failures: 0|2|out of range",
            "auth:\\n  passwd_file: /p\\n  ldap: {url: ldap://h, base: dc=x}|3|choose one credential backend",
            "listen:\\n  - {address: '127.0.0.1:587', role: relay}|2|'relay' is not one of mx, submission, submissions",
            "listen:\\n  - {address: '127.0.0.1:587', role: submission}|1|no credential backend is configured",
            "listen:\\n  - {address: '127.0.0.1:465', role: submissions}\\nauth: {passwd_file: /p}|1|no certificate is configured",
    })
    void badValuesNameTheLineAndTheFix(String yaml, int line, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse("hostname: mx.example.org\n" + yaml.replace("\\n", "\n"), "w.yaml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("w.yaml:" + (line + 1) + ":")
                .hasMessageContaining(message)
                .hasMessageContaining("(fix: ");
    }

    @Test
    void aSubmissionPortWithPlaintextAuthNeedsNoCertificate() {
        WardenConfig c = ConfigLoader.parse("""
                hostname: mx.example.org
                listen:
                  - {address: "127.0.0.1:587", role: submission, allow_plaintext_auth: true}
                auth: {passwd_file: /etc/warden/passwd}
                """, "w.yaml");
        assertThat(c.listen().getFirst().role()).isEqualTo(WardenConfig.Role.SUBMISSION);
        assertThat(c.auth().passwdFile()).contains(Path.of("/etc/warden/passwd"));
    }

    @Test
    void configCheckReportsAMissingOrEmptyLdapBindPasswordFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("warden.yaml");
        Path secret = dir.resolve("ldap.secret");
        java.nio.file.Files.writeString(yaml, "hostname: mx.example.org\ndata_dir: " + dir.resolve("var")
                + "\nauth:\n  ldap:\n    url: ldap://127.0.0.1:389\n    base: ou=people,dc=example,dc=org\n"
                + "    bind_dn: cn=warden,dc=example,dc=org\n    bind_password_file: " + secret + "\n");
        assertThat(warden.cli.Components.validateFiles(ConfigLoader.load(yaml))).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(yaml.toString());
            assertThat(p.line()).isEqualTo(3);
            assertThat(p.message()).contains("auth.ldap.bind_password_file " + secret + " does not exist");
            assertThat(p.fix()).contains("first line");
        });
        java.nio.file.Files.writeString(secret, "\nthe password on the second line is not read\n");
        assertThat(warden.cli.Components.validateFiles(ConfigLoader.load(yaml))).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("empty first line").doesNotContain("second line"));
        java.nio.file.Files.writeString(secret, "s3cret\n");
        assertThat(warden.cli.Components.validateFiles(ConfigLoader.load(yaml))).isEmpty();
    }
}
