package warden.recipient;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import warden.recipient.Route.Mailbox;
import warden.recipient.Route.Remote;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class DomainRouterTest {

    @TempDir
    static Path dir;
    static DomainRouter router;

    @BeforeAll
    static void files() throws IOException {
        Path virtual = dir.resolve("virtual");
        Files.createDirectories(virtual);
        Files.writeString(virtual.resolve("moser-naef.ch"), """
                # the seed's example file
                patrick: patrick@localhost
                francesca: francesca@localhost
                foo: patrick@localhost,francesca@localhost
                bar: patrick@localhost francesca@localhost, Patrick@LOCALHOST
                *: patrick@localhost
                """);
        Files.writeString(virtual.resolve("Herzbube.CH"), """
                patrick: patrick@localhost
                alias: info@moser-naef.ch
                outside: someone@example.net
                mixed: patrick@localhost,
                  friend@example.net
                loop1: loop2@herzbube.ch
                loop2: loop1@herzbube.ch
                halfloop: back@herzbube.ch, patrick@localhost
                back: halfloop@herzbube.ch
                dead: nobody@herzbube.ch
                bare: francesca
                postmaster: nobody@herzbube.ch
                """);
        Files.writeString(virtual.resolve("grunzwanzling.ch"), "*: grunz@localhost\n");
        Files.writeString(virtual.resolve("empty.example"), "# nobody here yet\n");
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 15; i++) deep.append("d").append(i).append(": d").append(i + 1).append("@deep.example\n");
        deep.append("d15: patrick@localhost\nd3x: d8@deep.example\n");
        Files.writeString(virtual.resolve("deep.example"), deep);
        router = new DomainRouter("mx.warden.test", virtual, Set.of("Example.ORG"), Clock.systemUTC());
    }

    static Stream<Arguments> cases() {
        Mailbox patrick = new Mailbox("patrick");
        Mailbox francesca = new Mailbox("francesca");
        Mailbox postmaster = new Mailbox("postmaster");
        return Stream.of(
                arguments("exact key", "patrick@moser-naef.ch", false, List.of(patrick)),
                arguments("keys and domains ignore case", "PATRICK@Moser-Naef.CH", false, List.of(patrick)),
                arguments("two targets, comma", "foo@moser-naef.ch", false, List.of(patrick, francesca)),
                arguments("targets by space and comma, deduplicated", "bar@moser-naef.ch", false, List.of(patrick, francesca)),
                arguments("catch-all", "whoever@moser-naef.ch", false, List.of(patrick)),
                arguments("domain file name in upper case", "patrick@herzbube.ch", false, List.of(patrick)),
                arguments("alias into another virtual domain's catch-all", "alias@herzbube.ch", false, List.of(patrick)),
                arguments("target outside our domains is remote, relay or not", "outside@herzbube.ch", false,
                        List.of(new Remote("someone@example.net"))),
                arguments("continuation line, local and remote", "mixed@herzbube.ch", false,
                        List.of(patrick, new Remote("friend@example.net"))),
                arguments("loop branch dropped, other target kept", "halfloop@herzbube.ch", false, List.of(patrick)),
                arguments("target without a domain is local", "bare@herzbube.ch", false, List.of(francesca)),
                arguments("postmaster routed nowhere falls back", "postmaster@herzbube.ch", false, List.of(postmaster)),
                arguments("postmaster with no entry at all", "postmaster@empty.example", false, List.of(postmaster)),
                arguments("postmaster caught by the catch-all", "postmaster@grunzwanzling.ch", false,
                        List.of(new Mailbox("grunz"))),
                arguments("bare postmaster, RFC 5321 4.5.1", "Postmaster", false, List.of(postmaster)),
                arguments("postmaster of a local domain", "postmaster@example.org", false, List.of(postmaster)),
                arguments("postmaster of localhost", "PostMaster@localhost", false, List.of(postmaster)),
                arguments("localhost, relay client", "user@localhost", true, List.of(new Mailbox("user"))),
                arguments("localhost, upper case, trailing dot", "User@LOCALHOST.", true, List.of(new Mailbox("user"))),
                arguments("our host name", "bob@MX.Warden.Test", true, List.of(new Mailbox("bob"))),
                arguments("a configured local domain", "carol@example.org", true, List.of(new Mailbox("carol"))),
                arguments("a mailbox a virtual-domain file names", "Patrick@localhost", false, List.of(patrick)),
                arguments("a named mailbox at any local domain", "francesca@example.org", false, List.of(francesca)),
                arguments("a mailbox nobody names, from outside", "user@localhost", false, "550 5.1.1"),
                arguments("our host name, from outside", "bob@mx.warden.test", false, "550 5.1.1"),
                arguments("a local domain, from outside", "carol@example.org", false, "550 5.1.1"),
                arguments("KELVIN SIGN is not k", "\u212Aevin@localhost", true, "550 5.1.3"),
                arguments("LONG S is not s", "po\u017Ftmaster@localhost", true, "550 5.1.3"),
                arguments("relay allowed", "someone@elsewhere.net", true, List.of(new Remote("someone@elsewhere.net"))),
                arguments("a chain of 9 aliases is within the limit", "d3x@deep.example", false, List.of(patrick)),

                arguments("leading dot", ".dot@localhost", false, "550 5.1.3"),
                arguments("percent hack", "a%b@localhost", false, "550 5.1.3"),
                arguments("bang path", "host!user@moser-naef.ch", false, "550 5.1.3"),
                arguments("slash", "a/b@localhost", false, "550 5.1.3"),
                arguments("pipe", "a|b@localhost", false, "550 5.1.3"),
                arguments("at sign in local part", "a@b@localhost", false, "550 5.1.3"),
                arguments("quoted local part", "\"john smith\"@localhost", false, "550 5.1.3"),
                arguments("empty local part", "@localhost", false, "550 5.1.3"),
                arguments("empty domain", "user@", false, "550 5.1.3"),
                arguments("no domain", "nodomain", false, "550 5.1.3"),
                arguments("illegal local part even when relaying", ".x@elsewhere.net", true, "550 5.1.3"),
                arguments("not a mailbox name", "a#b@localhost", false, "550 5.1.3"),
                arguments("unknown user, no catch-all", "nobody@herzbube.ch", false, "550 5.1.1"),
                arguments("unknown user, empty domain file", "anyone@empty.example", false, "550 5.1.1"),
                arguments("alias to an unknown user", "dead@herzbube.ch", false, "550 5.1.1"),
                arguments("alias loop", "loop1@herzbube.ch", false, "550 5.4.6"),
                arguments("chain deeper than the limit", "d0@deep.example", false, "550 5.4.6"),
                arguments("relay denied", "someone@elsewhere.net", false, "550 5.7.1"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void routes(String name, String address, boolean mayRelay, Object expected) {
        RecipientVerdict v = router.verify(address, mayRelay);
        if (expected instanceof List<?> routes) {
            assertThat(v).isInstanceOf(RecipientVerdict.Accepted.class);
            assertThat(((RecipientVerdict.Accepted) v).routes()).containsExactlyElementsOf((List<Route>) routes);
        } else {
            assertThat(v).isInstanceOf(RecipientVerdict.Refused.class);
            RecipientVerdict.Refused r = (RecipientVerdict.Refused) v;
            assertThat(r.reply().code() + " " + r.reply().status()).isEqualTo(expected);
            assertThat(r.reply().lines().getFirst()).isNotBlank();
            assertThat(r.reason()).isNotBlank();
        }
    }

    @Test
    void refusalsSayWhatIsWrong() {
        assertThat(text("nobody@herzbube.ch")).isEqualTo("<nobody@herzbube.ch>: unknown user");
        assertThat(text("someone@elsewhere.net")).contains("relaying denied").contains("elsewhere.net");
        assertThat(text("a%b@localhost")).contains("'%'");
        assertThat(text(".dot@localhost")).contains("starts with a dot");
        assertThat(text("loop1@herzbube.ch")).isEqualTo("<loop1@herzbube.ch>: routing loop in our aliases");
    }

    @Test
    void ourDomains() {
        assertThat(router.ourDomains()).contains("localhost", "mx.warden.test", "example.org", "herzbube.ch",
                "moser-naef.ch", "grunzwanzling.ch", "empty.example");
        assertThat(router.isOurDomain("HERZBUBE.CH.")).isTrue();
        assertThat(router.isOurDomain("elsewhere.net")).isFalse();
    }

    @Test
    void validateFindsLoopsAndDeadTargetsWithTheirLines() {
        List<String> problems = new ArrayList<>();
        for (Problem p : router.validate()) {
            if (p.file().endsWith("Herzbube.CH")) problems.add(p.line() + " " + p.message());
        }
        assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("6 `loop1`").contains("routing loop"))
                .anySatisfy(p -> assertThat(p).startsWith("7 `loop2`"))
                .anySatisfy(p -> assertThat(p).startsWith("10 `dead`").contains("unknown user"))
                .anySatisfy(p -> assertThat(p).startsWith("12 `postmaster`"))
                .noneSatisfy(p -> assertThat(p).contains("`patrick`"))
                .noneSatisfy(p -> assertThat(p).contains("`outside`"));
    }

    @Test
    void missingDirectoryMeansNoVirtualDomains() {
        DomainRouter r = new DomainRouter("mx.warden.test", dir.resolve("absent"), Set.of());
        assertThat(r.verify("user@localhost", true)).isEqualTo(new RecipientVerdict.Accepted(List.of(new Mailbox("user"))));
        assertThat(r.verify("patrick@herzbube.ch", false)).isInstanceOf(RecipientVerdict.Refused.class);
        assertThat(r.validate()).isEmpty();
    }

    private static String text(String address) {
        return ((RecipientVerdict.Refused) router.verify(address, false)).reply().lines().getFirst();
    }
}
