package warden.smtp.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.smtp.auth.SaslExchange.Challenge;
import warden.smtp.auth.SaslExchange.Credentials;
import warden.smtp.auth.SaslExchange.Mechanism;
import warden.smtp.auth.SaslExchange.Refused;
import warden.smtp.auth.SaslExchange.Step;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 4954 section 4 with PLAIN (RFC 4616) and LOGIN: what each line of an AUTH exchange leads to. */
class SaslExchangeTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainWithAnInitialResponseGivesCredentials() {
        Step s = new SaslExchange().start("PLAIN " + b64("\0alice\0s3cret pass"));
        assertThat(s).isEqualTo(new Credentials(Mechanism.PLAIN, "alice", "s3cret pass"));
        assertThat(s.toString()).doesNotContain("s3cret").contains("alice");
    }

    @Test
    void theMechanismNameIgnoresCase() {
        assertThat(new SaslExchange().start("plain " + b64("alice\0alice\0pw")))
                .isEqualTo(new Credentials(Mechanism.PLAIN, "alice", "pw"));
    }

    @Test
    void plainWithoutAnInitialResponseGetsAnEmptyChallenge() {
        SaslExchange x = new SaslExchange();
        Step s = x.start("PLAIN");
        assertThat(s).isInstanceOf(Challenge.class);
        assertThat(((Challenge) s).reply().wire()).isEqualTo("334 \r\n");
        assertThat(x.respond(b64("\0alice\0pw"))).isEqualTo(new Credentials(Mechanism.PLAIN, "alice", "pw"));
    }

    @Test
    void aUtf8UserAndPasswordArePassedAsText() {
        assertThat(new SaslExchange().start("PLAIN " + b64("\0jürgen\0pässwörd")))
                .isEqualTo(new Credentials(Mechanism.PLAIN, "jürgen", "pässwörd"));
    }

    @Test
    void anAuthorizationIdentityOtherThanTheLoginIsAFailedAttempt() {
        Step s = new SaslExchange().start("PLAIN " + b64("root\0alice\0pw"));
        assertThat(s).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reply()).isEqualTo(AuthReplies.INVALID_CREDENTIALS);
            assertThat(r.failedCredentials()).isTrue();
            assertThat(r.user()).contains("alice");
            assertThat(r.why()).doesNotContain("pw");
        });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no NUL at all                   | alice
            one NUL                         | alice\\0pw
            three NULs                      | \\0alice\\0pw\\0
            empty login                     | \\0\\0pw
            empty password                  | \\0alice\\0
            """)
    void aMalformedPlainMessageIs501(String name, String message) {
        Step s = new SaslExchange().start("PLAIN " + b64(message.replace("\\0", "\0")));
        assertThat(s).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reply()).isEqualTo(AuthReplies.BAD_PLAIN);
            assertThat(r.failedCredentials()).isFalse();
        });
    }

    @Test
    void plainThatIsNotUtf8Is501() {
        byte[] latin1 = "\0j\u00fcrgen\0pw".getBytes(StandardCharsets.ISO_8859_1);
        Step s = new SaslExchange().start("PLAIN " + Base64.getEncoder().encodeToString(latin1));
        assertThat(((Refused) s).reply()).isEqualTo(AuthReplies.BAD_PLAIN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not the alphabet            | ***garbage***
            unpadded                    | AGFsaWNlAHB3dw
            padding in the middle       | AG=saWNlAHB3dw==
            white space                 | AGFs aWNlAHB3
            three paddings              | AGFsaWNlAHB===
            """)
    void aResponseThatIsNotStrictBase64Is501_5_5_2(String name, String text) {
        SaslExchange x = new SaslExchange();
        x.start("PLAIN");
        Step s = x.respond(text);
        assertThat(s).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reply().toString()).startsWith("501 5.5.2");
            assertThat(r.failedCredentials()).isFalse();
        });
    }

    @Test
    void garbageAsTheInitialResponseIs501_5_5_2() {
        assertThat(((Refused) new SaslExchange().start("PLAIN !!!!")).reply()).isEqualTo(AuthReplies.BAD_BASE64);
    }

    @Test
    void aStarCancelsWith501_5_0_0() {
        SaslExchange x = new SaslExchange();
        x.start("LOGIN");
        Step s = x.respond("*");
        assertThat(((Refused) s).reply().toString()).startsWith("501 5.0.0");
        SaslExchange y = new SaslExchange();
        y.start("LOGIN");
        y.respond(b64("alice"));
        assertThat(((Refused) y.respond("*")).reply()).isEqualTo(AuthReplies.CANCELLED);
    }

    @Test
    void anEqualsSignIsAnEmptyInitialResponse() {
        // LOGIN: the initial response is the user name, here empty: the password is asked next
        SaslExchange x = new SaslExchange();
        Step s = x.start("LOGIN =");
        assertThat(((Challenge) s).reply().wire()).isEqualTo("334 UGFzc3dvcmQ6\r\n");
        assertThat(x.user()).contains("");
        Step end = x.respond(b64("pw"));
        assertThat(end).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.reply()).isEqualTo(AuthReplies.INVALID_CREDENTIALS);
            assertThat(r.failedCredentials()).isTrue();
        });
        // PLAIN: an empty message is not a PLAIN message
        assertThat(((Refused) new SaslExchange().start("PLAIN =")).reply()).isEqualTo(AuthReplies.BAD_PLAIN);
    }

    @Test
    void loginAsksForTheUserThenThePassword() {
        SaslExchange x = new SaslExchange();
        Step first = x.start("LOGIN");
        assertThat(((Challenge) first).reply().wire()).isEqualTo("334 VXNlcm5hbWU6\r\n"); // "Username:"
        Step second = x.respond(b64("alice"));
        assertThat(((Challenge) second).reply().wire()).isEqualTo("334 UGFzc3dvcmQ6\r\n"); // "Password:"
        assertThat(x.user()).contains("alice");
        assertThat(x.respond(b64("s3cret"))).isEqualTo(new Credentials(Mechanism.LOGIN, "alice", "s3cret"));
    }

    @Test
    void loginTakesTheUserNameAsAnInitialResponse() {
        SaslExchange x = new SaslExchange();
        assertThat(((Challenge) x.start("LOGIN " + b64("alice"))).reply().wire()).isEqualTo("334 UGFzc3dvcmQ6\r\n");
        assertThat(x.respond(b64("pw"))).isEqualTo(new Credentials(Mechanism.LOGIN, "alice", "pw"));
    }

    @Test
    void anEmptyLineIsAnEmptyResponse() {
        SaslExchange x = new SaslExchange();
        x.start("LOGIN");
        assertThat(x.respond("")).isInstanceOf(Challenge.class);
        assertThat(((Refused) x.respond("")).failedCredentials()).isTrue();
    }

    @Test
    void aLoginUserWithNulIsRefused() {
        SaslExchange x = new SaslExchange();
        x.start("LOGIN");
        assertThat(((Refused) x.respond(b64("al\0ice"))).reply()).isEqualTo(AuthReplies.BAD_BASE64);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown mechanism       | CRAM-MD5                  | 504 5.5.4
            no mechanism            | ''                        | 501 5.5.4
            three words             | PLAIN AAAA AAAA           | 501 5.5.4
            two spaces              | 'PLAIN  AAAA'             | 501 5.5.4
            """)
    void theCommandItselfIsChecked(String name, String argument, String reply) {
        Step s = new SaslExchange().start(argument);
        assertThat(((Refused) s).reply().toString()).startsWith(reply);
        assertThat(((Refused) s).failedCredentials()).isFalse();
    }

    @Test
    void theEhloKeywordListsBothMechanisms() {
        assertThat(SaslExchange.ADVERTISED).isEqualTo("AUTH PLAIN LOGIN");
        assertThat(Mechanism.PLAIN.logName()).isEqualTo("plain");
    }
}
