package warden.dsn;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** RFC 3461 section 4: what each DSN parameter value may be. */
class DsnParameterTest {

    @Test
    void retIsFullOrHdrsInAnyCase() throws Exception {
        assertThat(DsnParameter.ret("FULL")).isEqualTo(Ret.FULL);
        assertThat(DsnParameter.ret("hdrs")).isEqualTo(Ret.HDRS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "HEADERS", "FULL,HDRS", " FULL"})
    void anyOtherRetIsInvalid(String value) {
        assertThatThrownBy(() -> DsnParameter.ret(value)).isInstanceOf(DsnParameter.Invalid.class)
                .hasMessageContaining("RFC 3461 4.3");
        assertThatThrownBy(() -> DsnParameter.ret(null)).isInstanceOf(DsnParameter.Invalid.class);
    }

    @Test
    void notifyIsNeverAloneOrAListOfTheOthers() throws Exception {
        assertThat(DsnParameter.notify("NEVER")).containsExactly(Notify.NEVER);
        assertThat(DsnParameter.notify("success,Failure,DELAY"))
                .isEqualTo(Set.of(Notify.SUCCESS, Notify.FAILURE, Notify.DELAY));
        assertThat(DsnParameter.notify("DELAY")).containsExactly(Notify.DELAY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "NEVER,FAILURE", "FAILURE,FAILURE", "FAILURE,", ",DELAY", "ALWAYS", "SUCCESS FAILURE"})
    void otherNotifyListsAreInvalid(String value) {
        assertThatThrownBy(() -> DsnParameter.notify(value)).isInstanceOf(DsnParameter.Invalid.class)
                .hasMessageContaining("RFC 3461 4.1");
    }

    @Test
    void orcptKeepsTheTypeAndDecodesTheAddress() throws Exception {
        assertThat(DsnParameter.orcpt("rfc822;bob+2Bext@example.org")).isEqualTo("rfc822;bob+ext@example.org");
        assertThat(DsnParameter.orcpt("RFC822;a@b.example")).isEqualTo("RFC822;a@b.example");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob@example.org", ";bob@example.org", "rfc822;", "rfc 822;a@b", "rfc822;a+2", "rfc822;a=b",
            "rfc822;a+0Ab"})
    void otherOrcptValuesAreInvalid(String value) {
        assertThatThrownBy(() -> DsnParameter.orcpt(value)).isInstanceOf(DsnParameter.Invalid.class)
                .hasMessageContaining("RFC 3461 4.2");
    }

    @Test
    void orcptIsAtMost500AndEnvidAtMost100Characters() throws Exception {
        String orcpt = "rfc822;" + "a".repeat(DsnParameter.ORCPT_MAX - 7 - 12) + "@example.org";
        assertThat(orcpt).hasSize(500);
        assertThat(DsnParameter.orcpt(orcpt)).isEqualTo(orcpt);
        assertThatThrownBy(() -> DsnParameter.orcpt("x" + orcpt)).isInstanceOf(DsnParameter.Invalid.class);

        assertThat(DsnParameter.envid("Q".repeat(100))).hasSize(100);
        assertThat(DsnParameter.envid("id+2B1")).isEqualTo("id+1");
        assertThatThrownBy(() -> DsnParameter.envid("Q".repeat(101))).isInstanceOf(DsnParameter.Invalid.class)
                .hasMessageContaining("RFC 3461 4.4");
        assertThatThrownBy(() -> DsnParameter.envid("")).isInstanceOf(DsnParameter.Invalid.class);
        assertThatThrownBy(() -> DsnParameter.envid("a+0D+0Ab")).isInstanceOf(DsnParameter.Invalid.class);
    }

    @Test
    void theDefaultWantsFailureAndNeverWantsNothing() {
        assertThat(RecipientDsn.NONE.wants(Notify.FAILURE)).isTrue();
        assertThat(RecipientDsn.NONE.wants(Notify.SUCCESS)).isFalse();
        RecipientDsn never = new RecipientDsn(Set.of(Notify.NEVER), java.util.Optional.empty());
        assertThat(never.wants(Notify.FAILURE)).isFalse();
        assertThat(never.wants(Notify.DELAY)).isFalse();
    }

    /** What the spool and the next hop get: the parameters as they were given, read back the same. */
    @Test
    void theParametersPassOnAsTheyWereGiven() throws Exception {
        RecipientDsn r = new RecipientDsn(DsnParameter.notify("delay,success"), java.util.Optional.of(DsnParameter.orcpt("rfc822;a+2Bb@example.org")));
        assertThat(r.notifyParameter()).contains("SUCCESS,DELAY");
        assertThat(r.orcptParameter()).contains("rfc822;a+2Bb@example.org");
        assertThat(DsnParameter.notify(r.notifyParameter().get())).isEqualTo(r.notifications());
        assertThat(RecipientDsn.NONE.notifyParameter()).isEmpty();
        assertThat(RecipientDsn.NONE.orcptParameter()).isEmpty();
        MessageDsn m = new MessageDsn(java.util.Optional.of(Ret.FULL), java.util.Optional.of(DsnParameter.envid("x+3Dy")));
        assertThat(m.envidParameter()).contains("x+3Dy");
        assertThat(MessageDsn.NONE.envidParameter()).isEmpty();
    }
}
