package warden.policy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The temporary-failure rule where it lives: a DNS TEMPFAIL is "could not tell", whatever the check's action. */
class RulingTest {

    static final Finding TEMPFAIL = new Finding("helo-unverified", Finding.Outcome.TEMPFAIL,
            "DNS could not tell now: SERVFAIL from 127.0.0.1:5353 for mail.example.net/A (SocketTimeoutException)");

    @ParameterizedTest
    @EnumSource(Action.class)
    void aTempFailNeverRefusesNorDelaysWhateverTheAction(Action action) {
        Ruling r = Ruling.of(TEMPFAIL, new CheckSettings(action, Duration.ofSeconds(20), HostList.EMPTY));
        assertThat(r.action().refuses()).isFalse();
        assertThat(r.delay()).isZero();
        assertThat(r.action()).isIn(Action.PASS, Action.LOG, Action.HEADER);
        for (Stage stage : Stage.values()) assertThat(r.reply(stage)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Stage.class)
    void aDnsCausedReplyNeverCarriesTheResolversDetails(Stage stage) {
        Ruling deferred = new Ruling(TEMPFAIL, Action.DEFER, Duration.ZERO, Ruling.Cause.DNS);
        assertThat(deferred.reply(stage)).hasValueSatisfying(reply -> assertThat(String.join("\n", reply.lines()))
                .doesNotContain("127.0.0.1").doesNotContain("SERVFAIL").doesNotContain("Exception"));
    }
}
