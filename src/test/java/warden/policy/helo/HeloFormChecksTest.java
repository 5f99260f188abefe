package warden.policy.helo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.policy.Check;
import warden.policy.Finding.Outcome;
import warden.policy.Snapshots;
import warden.policy.Stage;

import static org.assertj.core.api.Assertions.assertThat;

/** Table tests of the HELO checks that need no DNS: the form of the greeting. */
class HeloFormChecksTest {

    private static Outcome run(Check check, String helo, String client) {
        return check.check(Snapshots.client(client).helo(helo).at(Stage.HELO)).outcome();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no argument (seed 000, 003)              | ''                    | FAIL
            blanks only                              | '   '                 | FAIL
            a name                                   | mail.example.com      | PASS
            """)
    void heloEmpty(String name, String helo, Outcome expected) {
        assertThat(run(new HeloEmpty(), helo, "192.0.2.7")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            plain FQDN                                    | mail.example.com               | PASS
            upper case                                    | MAIL.EXAMPLE.COM               | PASS
            one trailing dot (Postfix accepts)            | mail.example.com.              | PASS
            underscore from a Windows host (accepted)     | abc_xyz.example.com            | PASS
            IDN TLD in A-label form                       | mail.example.xn--p1ai          | PASS
            long new TLD                                  | mail.example.international     | PASS
            IPv4 literal                                  | [192.0.2.1]                    | PASS
            IPv6 literal                                  | [IPv6:2001:db8::1]             | PASS
            leading zeros: Snum is 1*3DIGIT (RFC 5321)    | [192.0.2.001]                  | PASS
            leading zeros in every octet                  | [010.000.002.001]              | PASS
            four digits are not an Snum                   | [192.0.2.0001]                 | FAIL
            IPv6 literal without the IPv6: tag            | [2001:db8::1]                  | FAIL
            the unspecified address without the tag       | [::]                           | FAIL
            the unspecified address, tagged (IPv6-comp)   | [IPv6:::]                      | PASS
            IPv6-full, eight groups                       | [IPv6:1:2:3:4:5:6:7:8]         | PASS
            nine groups                                   | [IPv6:1:2:3:4:5:6:7:8:9]       | FAIL
            six groups around ::                          | [IPv6:1:2:3:4:5::6]            | PASS
            seven groups and :: (at most 6 with ::)       | [IPv6:1:2:3:4:5:6:7::]         | FAIL
            seven groups around ::                        | [IPv6:1:2:3:4:5:6::7]          | FAIL
            two ::                                        | [IPv6:1::2::3]                 | FAIL
            a group of five hex digits                    | [IPv6:12345::1]                | FAIL
            IPv6v4-full                                   | [IPv6:1:2:3:4:5:6:192.0.2.1]   | PASS
            IPv6v4-comp, IPv4-mapped                      | [IPv6:::ffff:192.0.2.1]        | PASS
            IPv6v4-comp, four groups                      | [IPv6:1:2:3:4::192.0.2.1]      | PASS
            IPv6v4-comp, five groups (at most 4)          | [IPv6:1:2:3:4:5::192.0.2.1]    | FAIL
            IPv4 part before the end                      | [IPv6:192.0.2.1::1]            | FAIL
            a single colon at the end                     | [IPv6:1:2:3:4:5:6:7:]          | FAIL
            literal with information after it (4.1.4)     | [192.0.2.1] my laptop          | PASS
            general address literal                       | [x400:c=gb;a=x]                | PASS
            empty label                                   | mail..example.com              | FAIL
            leading dot                                   | .example.com                   | FAIL
            label starts with a hyphen                    | -bad.example.com               | FAIL
            label ends with a hyphen (James #5317)        | cabinet-maitre-.domain         | FAIL
            label over 63 characters                      | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com | FAIL
            characters outside LDH                        | mail!.example.com              | FAIL
            two words after a domain                      | foo bar                        | FAIL
            literal octet over 255                        | [192.0.2.256]                  | FAIL
            bad IPv6 in literal                           | [IPv6:2001:db8::zz]            | FAIL
            unclosed literal                              | [192.0.2.1                     | FAIL
            empty literal                                 | []                             | FAIL
            bare IP is left to helo-bare-ip               | 192.0.2.1                      | SKIP
            empty is left to helo-empty                   | ''                             | SKIP
            """)
    void heloSyntax(String name, String helo, Outcome expected) {
        assertThat(run(new HeloSyntax(), helo, "192.0.2.7")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            seed 004 example 1.2.3.4                 | 1.2.3.4               | FAIL
            bare IPv6                                | 2001:db8::7           | FAIL
            literal is not bare                      | [1.2.3.4]             | PASS
            three numbers are not an address         | 1.2.3                 | PASS
            name starting with digits (rspamd #4997) | 10.example.com        | PASS
            """)
    void heloBareIp(String name, String helo, Outcome expected) {
        assertThat(run(new HeloBareIp(), helo, "192.0.2.7")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            seed 004 example [1.2.3.4]               | [1.2.3.4]             | FAIL
            IPv6 literal                             | [IPv6:2001:db8::7]    | FAIL
            host name                                | mail.example.com      | PASS
            malformed literal is helo-syntax's       | [1.2.3]               | PASS
            """)
    void heloAddressLiteral(String name, String helo, Outcome expected) {
        assertThat(run(new HeloAddressLiteral(), helo, "192.0.2.7")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            literal is the client                          | [192.0.2.7]               | 192.0.2.7     | PASS
            literal is another address (open proxy)        | [192.0.2.8]               | 192.0.2.7     | FAIL
            NATed desktop greets with its private address  | [10.0.0.5]                | 192.0.2.7     | FAIL
            IPv6 literal is the client (Haraka fails this) | [IPv6:2001:db8::7]        | 2001:db8::7   | PASS
            IPv6 literal, upper-case tag, zeros written    | [IPV6:2001:DB8:0:0:0:0:0:7] | 2001:db8::7 | PASS
            untagged IPv6 literal is helo-syntax's         | [2001:db8::7]             | 2001:db8::7   | SKIP
            IPv4 literal with leading zeros is the client  | [192.0.2.007]             | 192.0.2.7     | PASS
            IPv4-mapped literal with leading zeros         | [IPv6:::ffff:192.0.2.007] | 192.0.2.7     | PASS
            IPv4-mapped IPv6 literal of an IPv4 client     | [IPv6:::ffff:192.0.2.7]   | 192.0.2.7     | PASS
            prefix is not equality (Exim compares text)    | [192.0.2.70]              | 192.0.2.7     | FAIL
            IPv6 literal from another host                 | [IPv6:2001:db8::8]        | 2001:db8::7   | FAIL
            host name                                      | mail.example.com          | 192.0.2.7     | SKIP
            general literal                                | [x400:c=gb]               | 192.0.2.7     | SKIP
            """)
    void heloLiteralMismatch(String name, String helo, String client, Outcome expected) {
        assertThat(run(new HeloLiteralMismatch(), helo, client)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            desktop MUA (Mail-Toaster-6 #202)        | DESKTOP3507CDS        | FAIL
            Windows node name (seed 001)             | smtp                  | FAIL
            single label with trailing dot           | desktop.              | FAIL
            localhost is helo-bogus-name's           | localhost.            | SKIP
            FQDN                                     | mail.example.com      | PASS
            FQDN with trailing dot                   | mail.example.com.     | PASS
            IPv6 literal has no dot but is no name   | [IPv6:2001:db8::7]    | SKIP
            """)
    void heloNotFqdn(String name, String helo, Outcome expected) {
        assertThat(run(new HeloNotFqdn(), helo, "192.0.2.7")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            trailing dot (seed 002)                  | mail.example.com.     | FAIL
            two dots (seed 002)                      | mail..example.com     | FAIL
            leading dot                              | .mail.example.com     | FAIL
            clean name                               | mail.example.com      | PASS
            """)
    void heloBadDots(String name, String helo, Outcome expected) {
        assertThat(run(new HeloBadDots(), helo, "192.0.2.7")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            localhost from outside (CBL)             | localhost               | 192.0.2.7  | FAIL
            LOCALHOST in capitals (helodnscheck misses it) | LOCALHOST         | 192.0.2.7  | FAIL
            localhost.localdomain (Perl CheckUser)   | localhost.localdomain   | 192.0.2.7  | FAIL
            localhost.domain (CBL)                   | localhost.domain        | 192.0.2.7  | FAIL
            smtp (CBL: Windows node name)            | smtp                    | 192.0.2.7  | FAIL
            something.localdomain                    | box.localdomain         | 192.0.2.7  | FAIL
            a name under .localhost (RFC 6761 6.3)   | mx.localhost            | 192.0.2.7  | FAIL
            fetchmail on the same host               | localhost               | 127.0.0.1  | PASS
            IPv6 loopback client                     | localhost               | ::1        | PASS
            a real name containing localhost         | localhost-mx.example.com | 192.0.2.7 | PASS
            smtp.example.com is a fine name          | smtp.example.com        | 192.0.2.7  | PASS
            """)
    void heloBogusName(String name, String helo, String client, Outcome expected) {
        assertThat(run(new HeloBogusName(), helo, client)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            dashed client address                        | host-203-0-113-9.dyn.example.net  | 203.0.113.9  | FAIL
            dotted reversed address                      | 9.113.0.203.pool.example.net      | 203.0.113.9  | FAIL
            some other dotted quad (seed 002 recipe)     | 10.1.2.3.example.net              | 203.0.113.9  | FAIL
            client address in hex                        | cpe-cb007109.example.net          | 203.0.113.9  | FAIL
            client IPv6 address in hex nibbles           | h20010db8000000000000000000000009.example.net | 2001:db8::9 | FAIL
            Amazon SES (Haraka false positive)           | a8-30.smtp-out.amazonses.com      | 54.240.8.30  | PASS
            SparkPost (Haraka false positive)            | mta-88-224.sparkpostmail.com      | 192.174.88.224 | PASS
            SendGrid-style (Haraka false positive)       | o1.ptr1234.sendgrid.net           | 167.89.1.234 | PASS
            short octets (Haraka false positive)         | mx12.example.com                  | 10.20.1.2    | PASS
            hex label that is not the client (hestiacp #1438) | some-d1245f1a.random-hosting.name | 203.0.113.9 | PASS
            octets over 255 are not an address           | build-300-400-500-600.example.com | 203.0.113.9  | PASS
            """)
    void heloEmbeddedIp(String name, String helo, String client, Outcome expected) {
        assertThat(new HeloEmbeddedIp().check(Snapshots.client(client).noPtr().helo(helo).at(Stage.HELO)).outcome())
                .isEqualTo(expected);
    }

    @Test
    void embeddedIpIsHonestWhenTheNameIsTheClientsReverseName() {
        String name = "host-203-0-113-9.static.example.net";
        assertThat(new HeloEmbeddedIp().check(Snapshots.client("203.0.113.9").ptrOnly(name).helo(name)
                .at(Stage.HELO)).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void embeddedIpTempFailsWhenTheReverseNameCouldNotBeLookedUp() {
        var id = new warden.dns.ClientIdentity(Snapshots.ip("203.0.113.9"), java.util.List.of(),
                java.util.Optional.empty(), true);
        assertThat(new HeloEmbeddedIp().check(Snapshots.client("203.0.113.9").identity(id)
                .helo("host-203-0-113-9.dyn.example.net").at(Stage.HELO)).outcome()).isEqualTo(Outcome.TEMPFAIL);
    }

    @Test
    void heloMissingAtMail() {
        HeloMissing check = new HeloMissing();
        assertThat(check.stage()).isEqualTo(Stage.MAIL);
        assertThat(check.check(Snapshots.client("192.0.2.7").mail("a@example.net").at(Stage.MAIL)).outcome())
                .isEqualTo(Outcome.FAIL);
        assertThat(check.check(Snapshots.client("192.0.2.7").helo("mail.example.net").mail("a@example.net")
                .at(Stage.MAIL)).outcome()).isEqualTo(Outcome.PASS);
    }

    @Test
    void everyReasonIsOneLine() {
        var f = new HeloSyntax().check(Snapshots.client("192.0.2.7").helo("bad\u0001name!").at(Stage.HELO));
        assertThat(f.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(f.reason()).doesNotContain("\n").doesNotContain("\u0001").contains("helo".toUpperCase());
    }
}
