package warden.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each scheme checks what it made, refuses a wrong password, and names what is wrong with a bad hash without quoting it. */
class PasswordSchemeTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(value = PasswordScheme.class, names = {"SHA512_CRYPT", "SHA256_CRYPT", "BLF_CRYPT", "ARGON2ID", "ARGON2I"})
    void aHashMadeIsCheckedAndAWrongPasswordRefused(PasswordScheme scheme) {
        String hash = scheme.hash(utf8("correct horse ü"));
        assertThat(scheme.problem(hash)).isEmpty();
        assertThat(scheme.matches(hash, utf8("correct horse ü"))).isTrue();
        assertThat(scheme.matches(hash, utf8("correct horse u"))).isFalse();
        assertThat(scheme.matches(hash, utf8(""))).isFalse();
        assertThat(scheme.hash(utf8("correct horse ü"))).as("a fresh salt each time").isNotEqualTo(hash);
    }

    @Test
    void newHashesLookLikeDoveadms() {
        assertThat(PasswordScheme.SHA512_CRYPT.hash(utf8("x"))).matches("\\$6\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}");
        assertThat(PasswordScheme.BLF_CRYPT.hash(utf8("x"))).matches("\\$2y\\$10\\$[./0-9A-Za-z]{53}");
        assertThat(PasswordScheme.ARGON2ID.hash(utf8("x"))).matches("\\$argon2id\\$v=19\\$m=65536,t=3,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    }

    @Test
    void cryptReadsEveryCryptFormatWardenKnows() {
        for (PasswordScheme s : new PasswordScheme[] {PasswordScheme.SHA512_CRYPT, PasswordScheme.SHA256_CRYPT, PasswordScheme.BLF_CRYPT}) {
            String hash = s.hash(utf8("pw"));
            assertThat(PasswordScheme.CRYPT.matches(hash, utf8("pw"))).as(s.label()).isTrue();
            assertThat(PasswordScheme.CRYPT.matches(hash, utf8("pq"))).as(s.label()).isFalse();
        }
        assertThat(PasswordScheme.CRYPT.problem(PasswordScheme.ARGON2ID.hash(utf8("pw")))).isPresent();
    }

    @Test
    void glibcVectorsWithRounds() {
        // Drepper's "Unix crypt using SHA-256 and SHA-512", test vectors 2 (rounds=5000 spelled out) and the usual one
        assertThat(PasswordScheme.SHA512_CRYPT.matches(
                "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0",
                utf8("This is just a test"))).isTrue();
        assertThat(PasswordScheme.SHA512_CRYPT.matches("$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
                utf8("Hello world!"))).isTrue();
        assertThat(PasswordScheme.SHA256_CRYPT.matches("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
                utf8("Hello world!"))).isTrue();
        assertThat(PasswordScheme.SHA256_CRYPT.matches("$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5",
                utf8("Hello world?"))).isFalse();
    }

    @Test
    void bcryptVariantsAndTheSeventyTwoOctetLimit() {
        // OpenBSD's $2b$, and the same hash read as $2a$ and $2y$ (identical for ASCII passwords)
        String b = PasswordScheme.BLF_CRYPT.hash(utf8("x".repeat(72)));
        assertThat(PasswordScheme.BLF_CRYPT.matches(b, utf8("x".repeat(100)))).as("bcrypt reads 72 octets").isTrue();
        for (String v : new String[] {"$2a$", "$2b$"}) {
            assertThat(PasswordScheme.BLF_CRYPT.matches(v + b.substring(4), utf8("x".repeat(72)))).as(v).isTrue();
        }
    }

    @Test
    void badHashesAreNamedWithoutBeingQuoted() {
        String secretish = "$6$abc$tooshort";
        assertThat(PasswordScheme.SHA512_CRYPT.problem(secretish)).hasValueSatisfying(p -> {
            assertThat(p).contains("not a {SHA512-CRYPT} hash").doesNotContain("tooshort");
        });
        assertThat(PasswordScheme.SHA512_CRYPT.matches(secretish, utf8("x"))).isFalse();
        assertThat(PasswordScheme.BLF_CRYPT.problem("$2y$99$" + "a".repeat(53))).isPresent();
        assertThat(PasswordScheme.ARGON2ID.problem("$argon2id$v=19$m=99999999,t=3,p=1$c29tZXNhbHQx$RtOGgpzep/YL2o/T6WDyFuFcOZNeoodzGtI9GG5GLY0"))
                .hasValueSatisfying(p -> assertThat(p).contains("memory"));
        assertThat(PasswordScheme.ARGON2ID.problem("$argon2id$v=19$m=4096,t=0,p=1$c29tZXNhbHQx$RtOGgpzep/YL2o/T6WDyFuFcOZNeoodzGtI9GG5GLY0"))
                .isPresent();
        assertThat(PasswordScheme.CRYPT.problem("$y$j9T$abc$def")).hasValueSatisfying(p -> assertThat(p).contains("yescrypt"));
        assertThat(PasswordScheme.SHA512_CRYPT.problem("")).isPresent();
    }

    @Test
    void plainIsComparedWhole() {
        assertThat(PasswordScheme.PLAIN.matches("s3cret", utf8("s3cret"))).isTrue();
        assertThat(PasswordScheme.CLEARTEXT.matches("s3cret", utf8("s3cre"))).isFalse();
        assertThat(PasswordScheme.PLAIN.matches("", utf8(""))).isTrue();
        assertThat(PasswordScheme.named("cleartext")).contains(PasswordScheme.CLEARTEXT);
        assertThat(PasswordScheme.named("sha512-crypt")).contains(PasswordScheme.SHA512_CRYPT);
        assertThat(PasswordScheme.named("MD5-CRYPT")).isEmpty();
        assertThatThrownBy(() -> PasswordScheme.PLAIN.hash(utf8("x"))).isInstanceOf(IllegalArgumentException.class);
    }
}
