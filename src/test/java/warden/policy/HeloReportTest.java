package warden.policy;

import org.junit.jupiter.api.Test;
import warden.mail.Reply;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HeloReportTest {

    private static final PolicySettings SETTINGS = PolicySettings.defaults(OwnIdentity.none());

    private static final Decision DENIED = new Decision(
            new Verdict.Refuse(Reply.of(550, "5.7.1", "HELO \"1.2.3.4\" is a bare IP address"), false),
            Duration.ofSeconds(20), List.of(),
            List.of(new Finding("helo-bare-ip", Finding.Outcome.FAIL, "HELO \"1.2.3.4\" is a bare IP address"),
                    new Finding("helo-not-fqdn", Finding.Outcome.SKIP, "not a host name"),
                    new Finding("helo-unresolvable", Finding.Outcome.TEMPFAIL, "DNS could not tell now")));

    @Test
    void linesForPeople() {
        assertThat(HeloReport.of(DENIED, SETTINGS).lines()).containsExactly(
                "verdict: deny (550 5.7.1 HELO \"1.2.3.4\" is a bare IP address), delay 20s",
                "  helo-bare-ip       fail      delay 20s, deny  HELO \"1.2.3.4\" is a bare IP address",
                "  helo-not-fqdn      skip      pass             not a host name",
                "  helo-unresolvable  tempfail  log              DNS could not tell now");
    }

    @Test
    void mapForJson() {
        Map<String, Object> m = HeloReport.of(DENIED, SETTINGS).toMap();
        assertThat(m.keySet()).containsExactly("verdict", "reply", "delay_seconds", "findings", "headers");
        assertThat(m.get("verdict")).isEqualTo("deny");
        assertThat(m.get("delay_seconds")).isEqualTo(20L);
        assertThat((List<?>) m.get("findings")).first().isEqualTo(Map.of("check", "helo-bare-ip", "outcome", "fail",
                "action", "delay 20s, deny", "reason", "HELO \"1.2.3.4\" is a bare IP address"));
    }

    @Test
    void verdictNames() {
        Decision drop = new Decision(new Verdict.Refuse(Reply.of(550, "5.7.1", "x"), true), Duration.ZERO, List.of(), List.of());
        Decision defer = new Decision(new Verdict.Refuse(Reply.of(451, "4.4.3", "x"), false), Duration.ZERO, List.of(), List.of());
        assertThat(HeloReport.of(drop, SETTINGS).verdict()).isEqualTo("drop");
        assertThat(HeloReport.of(defer, SETTINGS).verdict()).isEqualTo("defer");
        assertThat(HeloReport.of(Decision.proceed(), SETTINGS).verdict()).isEqualTo("continue");
        assertThat(HeloReport.of(Decision.proceed(), SETTINGS).lines()).containsExactly("verdict: continue");
    }

    @Test
    void reportModeSaysWould() {
        HeloReport r = HeloReport.of(DENIED, SETTINGS.withMode(PolicySettings.Mode.REPORT));
        assertThat(r.findings().getFirst().action()).isEqualTo("would delay 20s, deny");
        assertThat(r.findings().get(1).action()).isEqualTo("pass");
    }
}
