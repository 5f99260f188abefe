package warden.policy.content;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.policy.Finding;
import warden.policy.Snapshots;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 5322 header syntax and mail loops, as named cases. */
class HeaderSyntaxTest {

    static final String DATE = "Date: Tue, 24 Nov 2026 12:00:00 +0000\r\n";
    static final String FROM = "From: Alice <alice@example.org>\r\n";

    private static Finding syntax(String header) {
        return new HeaderSyntax().check(Snapshots.client("192.0.2.7").mail("alice@example.org").data(header + "\r\nbody\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            plain address                 | bob@example.net
            display name                  | Bob <bob@example.net>
            quoted display name           | "Smith, Bob" <bob@example.net>
            obsolete phrase with a dot    | John Q. Public <jqp@example.net>
            comment                       | bob@example.net (Bob Smith)
            two addresses                 | a@example.net, B <b@example.net>
            group                         | friends: a@example.net, b@example.net;
            empty group                   | undisclosed-recipients:;
            quoted local part             | "bob smith"@example.net
            domain literal                | bob@[192.0.2.1]
            encoded word                  | =?UTF-8?Q?J=C3=B6rg?= <joerg@example.net>
            empty list member (obsolete)  | a@example.net,,b@example.net
            source route (obsolete)       | <@relay.example:bob@example.net>
            UTF-8 (RFC 6532)              | Jörg <jörg@example.net>
            """)
    void wellFormedToFieldsPass(String name, String to) {
        assertThat(syntax(DATE + FROM + "To: " + to + "\r\nSubject: hi\r\n").outcome()).as(name).isEqualTo(Finding.Outcome.PASS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no From                       | Date: x\\r\\n                                                         | no From: header
            two From                      | Date: x\\r\\nFrom: a@example.org\\r\\nFrom: b@example.org\\r\\n       | 2 From: headers
            two Subject                   | Date: x\\r\\nFrom: a@b.c\\r\\nSubject: a\\r\\nSubject: b\\r\\n          | 2 Subject: headers
            From without domain           | Date: x\\r\\nFrom: alice\\r\\n                                        | From: header on line 2
            From with a group             | Date: x\\r\\nFrom: team: a@b.c;\\r\\n                                 | group
            unclosed angle                | Date: x\\r\\nFrom: Alice <alice@example.org\\r\\n                     | not closed with '>'
            two Sender mailboxes          | Date: x\\r\\nFrom: a@b.c\\r\\nSender: a@b.c, d@e.f\\r\\n               | only one mailbox
            bad To                        | Date: x\\r\\nFrom: a@b.c\\r\\nTo: bob@@example.net\\r\\n               | To: header on line 3
            empty label                   | Date: x\\r\\nFrom: a@b..c\\r\\n                                       | empty label
            unclosed quote                | Date: x\\r\\nFrom: "Alice <a@b.c>\\r\\n                               | quoted string
            line without colon            | Date: x\\r\\nFrom: a@b.c\\r\\nthis is not a header\\r\\n             | line 3 of the header is not a 'Name: value' field
            space in field name           | Date: x\\r\\nFrom: a@b.c\\r\\nX Bad: 1\\r\\n                          | invalid header field name
            continuation first            | \\tfolded\\r\\nDate: x\\r\\nFrom: a@b.c\\r\\n                        | continues a header field
            mbox From line                | From alice@example.org Tue Nov 24 12:00:00 2026\\r\\nDate: x\\r\\n   | invalid header field name
            NUL                           | Date: x\\r\\nFrom: a@b.c\\r\\nSubject: a\\u0000b\\r\\n                 | NUL
            """)
    void malformedHeadersFailWithTheReason(String name, String header, String reason) {
        String h = header.replace("\\r\\n", "\r\n").replace("\\t", "\t").replace("\\u0000", "\0");
        Finding f = syntax(h);
        assertThat(f.outcome()).as(name).isEqualTo(Finding.Outcome.FAIL);
        assertThat(f.reason()).as(name).contains(reason);
    }

    @Test
    void foldedFieldsAreUnfoldedAndBccMayBeEmpty() {
        assertThat(syntax(DATE + "From: Alice\r\n <alice@example.org>\r\nTo: a@example.net,\r\n\tb@example.net\r\nBcc:\r\n").outcome())
                .isEqualTo(Finding.Outcome.PASS);
    }

    @Test
    void aMissingDateIsNoSyntaxErrorButItsOwnCheckLoggedByDefault() {
        assertThat(syntax(FROM + "Subject: no date\r\n").outcome()).as("header-syntax").isEqualTo(Finding.Outcome.PASS);
        HeaderMissingDate check = new HeaderMissingDate();
        Finding missing = check.check(Snapshots.client("192.0.2.7").data(FROM + "Subject: no date\r\n\r\nDate: in the body\r\n"));
        assertThat(missing.outcome()).isEqualTo(Finding.Outcome.FAIL);
        assertThat(missing.reason()).contains("no Date: header");
        assertThat(check.check(Snapshots.client("192.0.2.7").data(DATE + FROM + "\r\nbody\r\n")).outcome())
                .isEqualTo(Finding.Outcome.PASS);
        assertThat(check.refusal(missing, true)).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.6.0");
        });
    }

    @Test
    void aMessageWithoutMessageIdPassesBoth() {
        String header = DATE + FROM + "To: bob@example.net\r\nSubject: no id\r\n";
        assertThat(syntax(header).outcome()).isEqualTo(Finding.Outcome.PASS);
        assertThat(new HeaderMissingDate().check(Snapshots.client("192.0.2.7").data(header + "\r\nx\r\n")).outcome())
                .isEqualTo(Finding.Outcome.PASS);
    }

    @Test
    void theRefusalIs550With5_6_0AndTheReason() {
        Finding f = syntax(DATE + "To: bob@example.net\r\n");
        assertThat(new HeaderSyntax().refusal(f, true)).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(550);
            assertThat(r.status()).isEqualTo("5.6.0");
            assertThat(r.lines().getFirst()).contains("no From: header");
        });
    }

    @Test
    void tooManyReceivedHeadersAreALoop() {
        MailLoop loop = new MailLoop(3);
        String three = "Received: from a\r\nReceived: from b\r\nreceived: from c\r\n";
        Finding ok = loop.check(Snapshots.client("192.0.2.7").data(three + DATE + FROM + "\r\nbody\r\n"));
        assertThat(ok.outcome()).isEqualTo(Finding.Outcome.PASS);
        Finding looping = loop.check(Snapshots.client("192.0.2.7").data(three + "Received: from d\r\n" + DATE + FROM + "\r\nbody\r\n"));
        assertThat(looping.outcome()).isEqualTo(Finding.Outcome.FAIL);
        assertThat(looping.reason()).contains("4 Received: headers").contains("at most 3");
        assertThat(loop.refusal(looping, true)).hasValueSatisfying(r -> {
            assertThat(r.code()).isEqualTo(554);
            assertThat(r.status()).isEqualTo("5.4.6");
        });
        // a Received: line in the body is not a hop
        Finding body = loop.check(Snapshots.client("192.0.2.7").data(DATE + FROM + "\r\n" + three + three));
        assertThat(body.outcome()).isEqualTo(Finding.Outcome.PASS);
    }
}
