package warden.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The test server speaks real DNS: checked with dnsjava's plain {@code SimpleResolver}. */
class TestDnsServerTest {

    private final TestDnsServer dns = TestDnsServer.start();

    @AfterEach
    void stop() {
        dns.close();
    }

    private Message ask(String name, int type) throws IOException {
        SimpleResolver resolver = new SimpleResolver(dns.address());
        resolver.setTimeout(Duration.ofSeconds(2));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, 1)));
    }

    @Test
    void answersARecordsWithTheirTtl() throws IOException {
        dns.ttl(42).a("mail.example.test", "127.0.0.5", "127.0.0.6");

        Message reply = ask("mail.example.test", Type.A);

        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(reply.getSection(Section.ANSWER)).extracting(r -> r.rdataToString())
                .containsExactlyInAnyOrder("127.0.0.5", "127.0.0.6");
        assertThat(reply.getSection(Section.ANSWER)).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(42));
        assertThat(dns.queries("Mail.Example.Test.")).isEqualTo(1);
    }

    @Test
    void unknownNameIsNxdomainWithSoa() throws IOException {
        dns.negativeTtl(30);

        Message reply = ask("nowhere.test", Type.A);

        assertThat(reply.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(reply.getSection(Section.AUTHORITY)).singleElement()
                .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));
    }

    @Test
    void knownNameWithoutTheTypeIsNodata() throws IOException {
        dns.a("mail.example.test", "127.0.0.5");

        Message mx = ask("mail.example.test", Type.MX);
        Message parent = ask("example.test", Type.A);

        assertThat(mx.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(mx.getSection(Section.ANSWER)).isEmpty();
        assertThat(parent.getRcode()).as("empty non-terminal").isEqualTo(Rcode.NOERROR);
    }

    @Test
    void servfailRefuseAndBackToNormal() throws IOException {
        dns.a("flaky.test", "127.0.0.9").servfail("flaky.test").refuse("closed.test");

        assertThat(ask("flaky.test", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ask("closed.test", Type.A).getRcode()).isEqualTo(Rcode.REFUSED);
        dns.answer("flaky.test");
        assertThat(ask("flaky.test", Type.A).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void timeoutNeverAnswers() {
        dns.timeout("slow.test");

        assertThatThrownBy(() -> ask("slow.test", Type.A)).isInstanceOf(IOException.class);
        assertThat(dns.queries("slow.test")).isPositive();
    }

    @Test
    void largeAnswerIsTruncatedOverUdpAndCompleteOverTcp() throws IOException {
        dns.a("big.test", IntStream.range(1, 41).mapToObj(i -> "127.0.1." + i).toArray(String[]::new));

        Message reply = ask("big.test", Type.A);

        assertThat(reply.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(reply.getSection(Section.ANSWER)).hasSize(40);
        assertThat(dns.tcpQueries("big.test")).isEqualTo(1);
        assertThat(dns.queries("big.test")).isEqualTo(2);
    }

    @Test
    void cnameIsFollowedInsideTheZone() throws IOException {
        dns.cname("www.example.test", "web.example.test").a("web.example.test", "127.0.0.7");

        Message reply = ask("www.example.test", Type.A);

        assertThat(reply.getSection(Section.ANSWER)).extracting(Record::getType)
                .containsExactly(Type.CNAME, Type.A);
    }

    @Test
    void ptrUsesTheReverseTree() throws IOException {
        InetAddress v6 = InetAddress.getByName("2001:db8::1");
        dns.ptr(v6, "host.example.test");

        Message reply = ask(ReverseMap.fromAddress(v6).toString(true), Type.PTR);

        assertThat(reply.getSection(Section.ANSWER)).singleElement()
                .satisfies(r -> assertThat(r.rdataToString()).isEqualTo("host.example.test."));
        assertThat(dns.ptrQueries(v6)).isEqualTo(1);
    }

    @Test
    void longTextIsSplitIntoCharacterStrings() throws IOException {
        dns.txt("spf.test", "v=spf1 " + "a".repeat(600) + " -all");

        Message reply = ask("spf.test", Type.TXT);

        assertThat(((org.xbill.DNS.TXTRecord) reply.getSection(Section.ANSWER).get(0)).getStrings()).hasSize(3);
    }
}
