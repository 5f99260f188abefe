package warden.policy.helo;

import org.junit.jupiter.api.Test;
import warden.policy.Check;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The shortcuts taken for speed give the same answers as the long way round. */
class HeloGrammarTest {

    private static final String ALPHABET = "0123456789....::abcdefABCDEFxyz-[] ";

    // The patterns the hand-written scanners replaced, kept here as their reference.
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?");
    private static final Pattern QUAD =
            Pattern.compile("(?<![0-9])(\\d{1,3})[.-](\\d{1,3})[.-](\\d{1,3})[.-](\\d{1,3})(?![0-9])");

    /** Random greetings over an alphabet dense in addresses, dots and colons; fixed seed. */
    private static List<String> samples() {
        Random random = new Random(20261124);
        List<String> out = new ArrayList<>(List.of("", "1.2.3.4", "255.255.255.255", "256.1.1.1", "::1", "2001:db8::1",
                "::ffff:192.0.2.1", "1.2.3", "1..2.3", "a.b.c.d", "[192.0.2.1]", "mail.example.net", "ab:cd", ":"));
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = 1 + random.nextInt(16);
            for (int j = 0; j < length; j++) b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            out.add(b.toString());
        }
        return out;
    }

    /** {@link HeloGrammar#numeric} as it was before its shortcut: both patterns, then the parser. */
    private static Optional<InetAddress> numericTheLongWay(String text) {
        if (!IPV4.matcher(text).matches() && !IPV6_CHARS.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    @Test
    void numericShortcutAgreesWithThePatterns() {
        int addresses = 0;
        for (String s : samples()) {
            Optional<InetAddress> expected = numericTheLongWay(s);
            assertThat(HeloGrammar.numeric(s)).as(s).isEqualTo(expected);
            if (expected.isPresent()) addresses++;
        }
        assertThat(addresses).as("the samples include real addresses").isGreaterThan(10);
    }

    @Test
    void addressScannersAgreeWithThePatterns() {
        int quads = 0;
        for (String s : samples()) {
            assertThat(HeloGrammar.dottedQuad(s)).as(s).isEqualTo(IPV4.matcher(s).matches());
            assertThat(HeloGrammar.ipv6Chars(s)).as(s).isEqualTo(IPV6_CHARS.matcher(s).matches());
            if (HeloGrammar.dottedQuad(s)) quads++;
        }
        for (String s : List.of("0.0.0.0", "01.2.3.4", "1.2.3.04", "199.249.250.255", "1.2.3.4.", ".1.2.3.4", "1234.1.1.1", "1.2.3.4 ")) {
            assertThat(HeloGrammar.dottedQuad(s)).as(s).isEqualTo(IPV4.matcher(s).matches());
        }
        assertThat(quads).as("the samples include dotted quads").isGreaterThan(0);
    }

    /** {@link HeloName.Hostname#syntaxError} as it was: split into labels, each matched against a pattern. */
    private static Optional<String> syntaxErrorTheLongWay(String name) {
        if (name.length() > 255) return Optional.of("it is longer than 255 characters");
        for (String label : name.split("\\.", -1)) {
            if (label.isEmpty()) return Optional.of("it has an empty label");
            if (label.length() > 63) return Optional.of("a label is longer than 63 characters");
            if (!LABEL.matcher(label).matches()) {
                return Optional.of(label.startsWith("-") || label.endsWith("-")
                        ? "a label starts or ends with a hyphen"
                        : "it has characters other than letters, digits, hyphens and dots");
            }
        }
        return Optional.empty();
    }

    @Test
    void labelScannerAgreesWithThePattern() {
        Random random = new Random(20261124);
        String alphabet = "ab-_.Z!9\u00e9";
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(i % 100 == 0 ? 300 : 20);
            for (int j = 0; j < length; j++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            if (i % 50 == 0) b.append("x".repeat(random.nextInt(70)));
            String name = b.toString();
            assertThat(new HeloName.Hostname(name, name, false).syntaxError()).as(name).isEqualTo(syntaxErrorTheLongWay(name));
        }
    }

    /** {@link HeloEmbeddedIp#embedded} as it was: the quad pattern, then the client's address written out in hex. */
    private static Optional<String> embeddedTheLongWay(String name, InetAddress client) {
        Matcher m = QUAD.matcher(name);
        while (m.find()) {
            boolean octets = true;
            for (int g = 1; g <= 4; g++) octets &= Integer.parseInt(m.group(g)) <= 255;
            if (octets) return Optional.of(m.group());
        }
        byte[] b = client.getAddress();
        byte[] reversed = {b[3], b[2], b[1], b[0]};
        for (String form : List.of(HexFormat.of().formatHex(b), HexFormat.of().formatHex(reversed))) {
            if (name.contains(form)) return Optional.of(form);
        }
        return Optional.empty();
    }

    @Test
    void embeddedAddressScannerAgreesWithThePattern() throws UnknownHostException {
        InetAddress client = InetAddress.getByName("192.0.2.77");
        Random random = new Random(20261124);
        String[] pieces = {"0", "1", "25", "255", "256", "300", "1234", ".", "-", "-", ".", "a", "x", "c0", "00", "02", "4d", "c000024d", "4d0200c0"};
        int found = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(12);
            for (int j = 0; j < length; j++) b.append(pieces[random.nextInt(pieces.length)]);
            String name = b.toString();
            Optional<String> expected = embeddedTheLongWay(name, client);
            assertThat(HeloEmbeddedIp.embedded(name, client)).as(name).isEqualTo(expected);
            if (expected.isPresent()) found++;
        }
        assertThat(found).as("the samples include embedded addresses").isGreaterThan(1000);
    }

    @Test
    void parsedOnceIsTheParseOfTheArgumentItWasGiven() {
        List<String> samples = samples();
        for (int i = 0; i < samples.size(); i++) {
            String s = samples.get(i);
            // Repeats, alternations and equal strings that are other instances all hit or miss correctly.
            assertThat(HeloGrammar.parsedOnce(s)).as(s).isEqualTo(HeloName.parse(s));
            assertThat(HeloGrammar.parsedOnce(new String(s))).as(s).isEqualTo(HeloName.parse(s));
            String other = samples.get((i * 7919) % samples.size());
            assertThat(HeloGrammar.parsedOnce(other)).as(other).isEqualTo(HeloName.parse(other));
        }
    }

    @Test
    void oneLineKeepsPrintableTextAsIsAndCleansTheRest() {
        String clean = "HELO \"x\" is not a fully-qualified domain name";
        assertThat(Check.oneLine(clean)).isSameAs(clean);
        // escaped as the main log escapes a client's text, not flattened to '?'
        assertThat(Check.oneLine("bad\r\nRCPT TO:<x>\u00e9\u000b\u2028")).isEqualTo("bad\\x0d\\x0aRCPT TO:<x>\\xe9\\x0b\\u2028");
        assertThat(Check.oneLine("a".repeat(400))).hasSize(300).endsWith("...");
        assertThat(Check.oneLine("\u0000".repeat(400))).hasSizeLessThanOrEqualTo(300).matches("(\\\\x00)+\\.\\.\\.");
        String longest = "a".repeat(300);
        assertThat(Check.oneLine(longest)).isSameAs(longest);
    }
}
