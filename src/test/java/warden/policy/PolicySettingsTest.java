package warden.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.policy.bounce.BounceRecipients;
import warden.policy.dnsbl.DnsblListed;
import warden.policy.dnsbl.DnsblWarning;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PolicySettingsTest {

    private static final PolicySettings DEFAULTS = PolicySettings.defaults(OwnIdentity.none());

    @Test
    void defaultsAreTheSeed004Policy() {
        assertThat(DEFAULTS.mode()).isEqualTo(PolicySettings.Mode.ENFORCE);
        assertThat(DEFAULTS.rejectAt()).isEqualTo(PolicySettings.RejectAt.RCPT);
        assertThat(DEFAULTS.checks().keySet()).containsExactlyElementsOf(Checks.NAMES);
        assertThat(DEFAULTS.check("helo-bare-ip")).isEqualTo(CheckSettings.of(Action.DENY, Duration.ofSeconds(20)));
        assertThat(DEFAULTS.check("helo-our-domain").describe()).isEqualTo("delay 20s, deny");
        assertThat(DEFAULTS.check("helo-missing").describe()).isEqualTo("delay 20s, deny");
        for (String delayed : new String[] {"client-no-ptr", "client-ptr-unconfirmed", "helo-not-fqdn",
                "helo-address-literal", "helo-our-subdomain", "helo-unverified"}) {
            assertThat(DEFAULTS.check(delayed).describe()).as(delayed).isEqualTo("delay 20s");
        }
        assertThat(DEFAULTS.maxDelay()).isEqualTo(Duration.ofMinutes(4));
    }

    @Test
    void everyCheckHasAClassAndEveryClassIsListed() {
        List<Check> all = new ArrayList<>(Checks.all(null, OwnIdentity.none(),
                Optional.of(new BounceRecipients(Path.of("bounce-rcpts"), line -> { })), 50));
        // the DNSBL checks are made per connection by the engine
        all.add(new DnsblListed(() -> null));
        all.add(new DnsblWarning(() -> null));
        assertThat(all).extracting(Check::name)
                .allSatisfy(n -> assertThat(Checks.NAMES).contains(n))
                .doesNotHaveDuplicates()
                .hasSize(Checks.NAMES.size() - 1); // early-talker is reported by the session
        assertThat(Checks.NAMES).allSatisfy(n -> assertThat(n).matches("[a-z]+(-[a-z]+)+"));
    }

    @Test
    void unknownCheckNamesAreRejectedWithTheKnownOnes() {
        assertThatThrownBy(() -> DEFAULTS.withChecks(Map.of("helo-typo", CheckSettings.of(Action.LOG))))
                .hasMessageContaining("unknown check 'helo-typo'").hasMessageContaining("helo-bare-ip");
    }

    @Test
    void delaysMustStayUnderTheClientsTimeout() {
        assertThatThrownBy(() -> DEFAULTS.withMaxDelay(Duration.ofMinutes(5))).hasMessageContaining("RFC 5321");
        assertThatThrownBy(() -> CheckSettings.of(Action.DENY, Duration.ofMinutes(6))).hasMessageContaining("RFC 5321");
        assertThatThrownBy(() -> CheckSettings.of(Action.DELAY)).hasMessageContaining("needs a delay");
        assertThat(DEFAULTS.withAction("helo-bad-dots", Action.DELAY).check("helo-bad-dots").delay())
                .isEqualTo(PolicySettings.DEFAULT_DELAY);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            seconds        | 45s     | 45000
            minutes        | 2m      | 120000
            mixed          | 1m30s   | 90000
            milliseconds   | 500ms   | 500
            zero           | 0       | 0
            upper case     | 20S     | 20000
            """)
    void durations(String name, String text, long millis) {
        assertThat(PolicySettings.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void badDurationsSayWhatIsExpected() {
        assertThatThrownBy(() -> PolicySettings.duration("45")).hasMessageContaining("e.g. 20s");
        assertThatThrownBy(() -> PolicySettings.duration("soon")).hasMessageContaining("e.g. 20s");
        assertThatThrownBy(() -> Action.parse("reject")).hasMessageContaining("pass, log, header, delay, defer, deny, drop");
        assertThat(Action.parse(" Deny ")).isEqualTo(Action.DENY);
    }

    /** Seed 003: every helodnscheck mode reachable by settings alone. */
    @ParameterizedTest(name = "HELO_DNS_CHECK={0}")
    @CsvSource(delimiter = '|', textBlock = """
            ''      | deny | pass   | pass   | pass   | false | false
            I       | deny | pass   | pass   | pass   | false | false
            P       | pass | pass   | pass   | pass   | false | false
            PL      | log  | log    | log    | log    | false | false
            PLRIV   | deny | log    | deny   | deny   | false | true
            B       | deny | deny   | pass   | pass   | false | false
            BL      | deny | deny   | log    | log    | false | false
            PH      | header | header | header | header | true | false
            PLRIVHD | deny | header | deny   | deny   | true  | true
            """)
    void helodnscheckModes(String flags, String unresolvable, String unverified, String toUs, String bogus,
                           boolean header, boolean relayExempt) {
        PolicySettings s = PolicySettings.off(OwnIdentity.none()).withHelodnscheck(flags);
        assertThat(s.check("helo-empty").action()).as("empty HELO is always a block").isEqualTo(Action.DENY);
        assertThat(s.check("helo-unresolvable").action().label()).as("I").isEqualTo(unresolvable);
        assertThat(s.check("helo-unverified").action().label()).as("B").isEqualTo(unverified);
        assertThat(s.check("helo-resolves-to-us").action().label()).as("V").isEqualTo(toUs);
        assertThat(s.check("helo-bogus-name").action().label()).as("V: localhost").isEqualTo(bogus);
        assertThat(s.heloCheckHeader()).as("H").isEqualTo(header);
        assertThat(s.exemptRelayClients()).as("R").isEqualTo(relayExempt);
        assertThat(s.check("helo-not-fqdn").action()).as("other checks untouched").isEqualTo(Action.PASS);
    }

    @Test
    void unknownHelodnscheckFlag() {
        assertThatThrownBy(() -> DEFAULTS.withHelodnscheck("PX")).hasMessageContaining("'X' is not a helodnscheck flag");
    }
}
