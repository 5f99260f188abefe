package warden.policy.helo;

import org.junit.jupiter.api.Test;
import warden.policy.Check;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The shortcuts taken for speed give the same answers as the long way round. */
class HeloGrammarTest {

    private static final String ALPHABET = "0123456789....::abcdefABCDEFxyz-[] ";

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
        if (!HeloGrammar.IPV4.matcher(text).matches() && !HeloGrammar.IPV6_CHARS.matcher(text).matches()) {
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
        assertThat(Check.oneLine("bad\r\nRCPT TO:<x>\u00e9")).isEqualTo("bad??RCPT TO:<x>?");
        assertThat(Check.oneLine("a".repeat(400))).hasSize(300);
    }
}
