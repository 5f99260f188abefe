package warden.door.greylistd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.greylist.GreylistSettings;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Requests read as greylistd 0.9 reads them, and what their data names. */
class GreylistdRequestTest {

    private static final GreylistSettings SETTINGS = GreylistSettings.defaults();

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.1 alice@example.org bob@example.net        | update | -         | 192.0.2.1 alice@example.org bob@example.net
            --grey 192.0.2.1 a@b c@d                           | update | grey      | 192.0.2.1 a@b c@d
            -grey 192.0.2.1 a@b c@d                            | update | grey      | 192.0.2.1 a@b c@d
            CHECK ---White 192.0.2.1 A@B c@d                   | check  | white     | 192.0.2.1 a@b c@d
            'update\t--black\r\u000b\f 1.2.3.4  x   y'               | update | black     | 1.2.3.4 x y
            add --black --grey bogus                           | add    | black,grey| bogus
            status x -y                                        | status | -         | x -y
            list --white --grey                                | list   | white,grey|
            stats --white                                      | stats  | white     |
            updates x                                          | update | -         | updates x
            'bogus\u001c\u001d\u001e\u001fmore'                | update | -         | bogus more
            """)
    void parsesAsGreylistd(String text, String verb, String options, String data) throws Exception {
        GreylistdRequest r = GreylistdRequest.parse(text);
        assertThat(r.verb().word()).isEqualTo(verb);
        assertThat(r.options()).isEqualTo(options.equals("-") ? List.of() : Arrays.asList(options.split(",")));
        assertThat(r.text()).isEqualTo(data == null ? "" : data);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(delimiter = '|', textBlock = """
            ''                  | No data received
            ' \t\r\f\u000b'      | No data received
            add                 | Missing argument
            --grey              | Missing argument
            delete --white      | Missing argument
            stats extra         | Too many arguments
            list --white extra  | Too many arguments
            mrtg x              | Too many arguments
            clear x             | Too many arguments
            """)
    void refusesAsGreylistd(String text, String error) {
        assertThatThrownBy(() -> GreylistdRequest.parse(text)).isInstanceOf(GreylistdRequest.Refused.class).hasMessage(error);
    }

    @Test
    void controlCharactersInAWordAreEscapedAndOnlyAsciiLettersFolded() throws Exception {
        GreylistdRequest r = GreylistdRequest.parse("A\u0000B \u001b[31m \u00c9t\u00e9@EXAMPLE.org \u0085x");
        assertThat(r.data()).containsExactly("a\\x00b", "\\x1b[31m", "\u00c9t\u00e9@example.org", "\\x85x");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            192.0.2.1 alice@example.org bob@example.net        | Delivery | 192.0.2.0/24 alice@example.org bob@example.net
            192.0.2.1 <alice@example.org> <bob@example.net>    | Delivery | 192.0.2.0/24 alice@example.org bob@example.net
            2001:db8::7 alice@example.org bob@example.net      | Delivery | 2001:db8:0:0:0:0:0:0/64 alice@example.org bob@example.net
            192.0.2.0/24 alice@example.org bob@example.net     | Delivery | 192.0.2.0/24 alice@example.org bob@example.net
            10.1.2.3/16 alice@example.org bob@example.net      | Delivery | 10.1.0.0/16 alice@example.org bob@example.net
            192.0.2.1 <> bob@example.net                       | Bounce   | 192.0.2.0/24 <> bob@example.net
            192.0.2.1 bob@example.net                          | Bounce   | 192.0.2.0/24 <> bob@example.net
            192.0.2.1 carol@example.net, bob@example.net       | Bounce   | 192.0.2.0/24 <> bob@example.net,carol@example.net
            192.0.2.1 c@x, b@x, a@x                            | Bounce   | 192.0.2.0/24 <> a@x,b@x,c@x
            192.0.2.1 b@x,a@x                                  | Bounce   | 192.0.2.0/24 <> a@x,b@x
            192.0.2.1                                          | Network  | 192.0.2.0/24
            198.51.100.0/22                                    | Network  | 198.51.100.0/22
            bogus                                              | Text     | text:bogus
            192.0.2.1 a b c                                    | Text     | text:192.0.2.1 a b c
            192.0.2.1 a, b c                                   | Text     | text:192.0.2.1 a, b c
            192.0.2.1 a,,b                                     | Text     | text:192.0.2.1 a,,b
            192.0.2.999 a b                                    | Text     | text:192.0.2.999 a b
            example.org a b                                    | Text     | text:example.org a b
            """)
    void namesWhatEximAsks(String words, String kind, String key) {
        Subject s = Subject.of(List.of(words.split(" ")), SETTINGS);
        assertThat(s.getClass().getSimpleName()).isEqualTo(kind);
        assertThat(s.key()).isEqualTo(key);
    }

    @ParameterizedTest(name = "{0} s")
    @CsvSource(delimiter = '|', textBlock = """
            0      | 0 second
            1      | 1 second
            2      | 2 seconds
            59     | 59 seconds
            60     | 1 minute
            61     | 1 minute and 1 second
            62     | 1 minute and 2 seconds
            120    | 2 minutes
            125    | 2 minutes and 5 seconds
            3599   | 59 minutes and 59 seconds
            3600   | 1 hour
            3629   | 1 hour
            3630   | 1 hour and 1 minute
            5400   | 1 hour and 30 minutes
            7199   | 2 hours
            86369  | 23 hours and 59 minutes
            86370  | 1 day
            90000  | 1 day and 1 hour
            93600  | 1 day and 2 hours
            200000 | 2 days and 8 hours
            """)
    void durationsAreGreylistds(long seconds, String text) {
        // Expected values printed by greylistd's own duration() (Python, /usr/sbin/greylistd).
        assertThat(GreylistdReports.duration(seconds)).isEqualTo(text);
    }
}
