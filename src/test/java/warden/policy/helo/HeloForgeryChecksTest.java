package warden.policy.helo;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.policy.Check;
import warden.policy.Finding.Outcome;
import warden.policy.OwnIdentity;
import warden.policy.Snapshots;
import warden.policy.Stage;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Table tests of the checks that catch a client claiming to be us. */
class HeloForgeryChecksTest {

    /** We are mail.herzbube.ch (seed 004), receive for herzbube.ch and example.org, and NAT 192.0.2.25 to us. */
    static final OwnIdentity US = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch", "Example.ORG"),
            Set.of(Snapshots.ip("192.0.2.25"), Snapshots.ip("2001:db8:25::25")));

    /** As the server sees itself: {@code localhost} is one of its mail domains ({@code user@localhost} is a Maildir). */
    static final OwnIdentity US_AND_LOCALHOST = OwnIdentity.of("mail.herzbube.ch", Set.of("herzbube.ch", "localhost"),
            Set.of(Snapshots.ip("192.0.2.25")));

    private static Outcome run(Check check, String helo, String client) {
        return check.check(Snapshots.client(client).helo(helo).at(Stage.HELO)).outcome();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            our interface address as literal (seed 002)  | [198.51.100.25]        | 203.0.113.9  | FAIL
            our public NAT address as literal            | [192.0.2.25]           | 203.0.113.9  | FAIL
            our IPv6 address as literal                  | [IPv6:2001:db8:25::25] | 2001:db8::9  | FAIL
            our address bare                             | 192.0.2.25             | 203.0.113.9  | FAIL
            a literal that is not ours                   | [203.0.113.9]          | 203.0.113.9  | PASS
            our address from that very address           | [192.0.2.25]           | 192.0.2.25   | PASS
            substring of ours is not ours (helodnscheck bug) | [192.0.2.2]        | 203.0.113.9  | PASS
            a name                                       | mail.example.net       | 203.0.113.9  | SKIP
            """)
    void heloOurAddress(String name, String helo, String client, Outcome expected) {
        assertThat(run(new HeloOurAddress(US), helo, client)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            our host name (seed 002)                     | mail.herzbube.ch        | FAIL
            our host name in capitals with a dot         | MAIL.HERZBUBE.CH.       | FAIL
            a longer name containing ours (Exim regex)   | xmail.herzbube.ch.example.net | PASS
            another host                                 | mx.example.net          | PASS
            """)
    void heloOurHostname(String name, String helo, Outcome expected) {
        assertThat(run(new HeloOurHostname(US), helo, "203.0.113.9")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            our domain (seed 004)                        | herzbube.ch             | FAIL
            our domain in capitals (Haraka GMAIL.COM bypass) | HERZBUBE.CH         | FAIL
            our other domain, configured in mixed case   | example.org             | FAIL
            a host in our domain is only a subdomain     | www.herzbube.ch         | PASS
            a lookalike domain                           | notherzbube.ch          | PASS
            """)
    void heloOurDomain(String name, String helo, Outcome expected) {
        assertThat(run(new HeloOurDomain(US), helo, "203.0.113.9")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            seed 004 www.herzbube.ch                     | www.herzbube.ch         | FAIL
            deep subdomain (Exim extract-3 recipe)       | a.b.c.example.org       | FAIL
            the domain itself is helo-our-domain's       | herzbube.ch             | PASS
            our host name is helo-our-hostname's         | mail.herzbube.ch        | SKIP
            a lookalike parent                           | www.notherzbube.ch      | PASS
            a literal                                    | [192.0.2.25]            | SKIP
            """)
    void heloOurSubdomain(String name, String helo, Outcome expected) {
        assertThat(run(new HeloOurSubdomain(US), helo, "203.0.113.9")).isEqualTo(expected);
    }

    /**
     * {@code localhost} is every host's name for itself (RFC 6761 6.3), not a claim to be us: from a
     * loopback client it is true, from anyone else it is {@code helo-bogus-name}'s default name.
     */
    @ParameterizedTest(name = "{0} {1} from {2}")
    @CsvSource(delimiter = '|', textBlock = """
            helo-our-domain    | localhost      | 192.0.2.7
            helo-our-domain    | LOCALHOST.     | 192.0.2.7
            helo-our-domain    | localhost      | 127.0.0.1
            helo-our-subdomain | mx.localhost   | 192.0.2.7
            helo-our-subdomain | localhost      | ::1
            helo-our-hostname  | localhost      | 192.0.2.7
            """)
    void localhostIsNeverOneOfOurOwnNames(String check, String helo, String client) {
        OwnIdentity us = new OwnIdentity(java.util.List.of("localhost", "mail.herzbube.ch"),
                US_AND_LOCALHOST::isOurDomain, US_AND_LOCALHOST.addresses());
        Check c = switch (check) {
            case "helo-our-domain" -> new HeloOurDomain(us);
            case "helo-our-subdomain" -> new HeloOurSubdomain(us);
            default -> new HeloOurHostname(us);
        };
        assertThat(run(c, helo, client)).isEqualTo(Outcome.SKIP);
    }
}
