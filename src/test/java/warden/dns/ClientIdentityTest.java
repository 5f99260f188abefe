package warden.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import warden.testing.TestClock;
import warden.testing.TestDnsServer;

/** Forward-confirmed reverse DNS (FCrDNS) through the real resolver and a loopback DNS server. */
@Timeout(30)
class ClientIdentityTest {

    private final TestDnsServer dns = TestDnsServer.start();
    private final Resolver resolver =
            new DnsjavaResolver(List.of(dns.address()), Duration.ofMillis(300), 0, 1000, new TestClock());

    @AfterEach
    void stop() {
        dns.close();
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: never asks DNS
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void confirmedWhenThePtrNamePointsBack() {
        InetAddress client = ip("192.0.2.10");
        dns.ptr(client, "mail.example.test").a("mail.example.test", "192.0.2.10");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.ptrNames()).containsExactly("mail.example.test");
        assertThat(identity.confirmedName()).contains("mail.example.test");
        assertThat(identity.tempFail()).isFalse();
        assertThat(identity.displayName()).contains("mail.example.test");
    }

    @Test
    void confirmedIpv6ThroughAaaa() {
        InetAddress client = ip("2001:db8::10");
        dns.ptr(client, "v6.example.test").aaaa("v6.example.test", "2001:db8::10");

        assertThat(ClientIdentity.lookup(resolver, client).confirmedName()).contains("v6.example.test");
    }

    @Test
    void secondPtrNameMayBeTheConfirmedOne() {
        InetAddress client = ip("192.0.2.11");
        dns.ptr(client, "liar.example.test", "true.example.test")
                .a("liar.example.test", "198.51.100.1")
                .a("true.example.test", "192.0.2.11");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.ptrNames()).containsExactlyInAnyOrder("liar.example.test", "true.example.test");
        assertThat(identity.confirmedName()).contains("true.example.test");
    }

    @Test
    void mismatchWhenTheNamePointsElsewhere() {
        InetAddress client = ip("192.0.2.12");
        dns.ptr(client, "forged.example.test").a("forged.example.test", "198.51.100.7");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.ptrNames()).containsExactly("forged.example.test");
        assertThat(identity.confirmedName()).isEmpty();
        assertThat(identity.tempFail()).isFalse();
        assertThat(identity.displayName()).contains("forged.example.test");
    }

    @Test
    void mismatchWhenTheNameDoesNotExist() {
        InetAddress client = ip("192.0.2.13");
        dns.ptr(client, "ghost.example.test");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.confirmedName()).isEmpty();
        assertThat(identity.tempFail()).isFalse();
    }

    @Test
    void noPtrAtAll() {
        ClientIdentity identity = ClientIdentity.lookup(resolver, ip("192.0.2.14"));

        assertThat(identity).isEqualTo(new ClientIdentity(ip("192.0.2.14"), List.of(), Optional.empty(), false));
        assertThat(identity.displayName()).isEmpty();
    }

    @Test
    void ptrTempFailIsNotAMismatch() {
        InetAddress client = ip("192.0.2.15");
        dns.ptr(client, "mail.example.test").servfail("15.2.0.192.in-addr.arpa");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.tempFail()).isTrue();
        assertThat(identity.ptrNames()).isEmpty();
    }

    @Test
    void forwardTimeoutIsATempFail() {
        InetAddress client = ip("192.0.2.16");
        dns.ptr(client, "slow.example.test").timeout("slow.example.test");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.ptrNames()).containsExactly("slow.example.test");
        assertThat(identity.confirmedName()).isEmpty();
        assertThat(identity.tempFail()).isTrue();
    }

    @Test
    void forwardFailureDoesNotMatterOnceAnotherNameConfirms() {
        InetAddress client = ip("192.0.2.17");
        dns.ptr(client, "broken.example.test", "good.example.test")
                .servfail("broken.example.test")
                .a("good.example.test", "192.0.2.17");

        ClientIdentity identity = ClientIdentity.lookup(resolver, client);

        assertThat(identity.confirmedName()).contains("good.example.test");
        assertThat(identity.tempFail()).isFalse();
    }
}
