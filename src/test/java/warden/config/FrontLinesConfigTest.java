package warden.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import warden.cli.Components;
import warden.policy.dnsbl.DnsList;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static warden.policy.Snapshots.ip;

/** The dnsbl, dnswl, bounce_recipients and max_received_headers keys: defaults, forms, errors with file, line and fix. */
class FrontLinesConfigTest {

    @Test
    void defaultsAreTheSeedsThresholdNoListsAndPostfixsHopLimit() {
        WardenConfig c = WardenConfig.defaults();
        assertThat(c.dnsLists().threshold()).isEqualTo(2);
        assertThat(c.dnsLists().blacklists()).as("no list is safe to enable for everyone (see README)").isEmpty();
        assertThat(c.dnsLists().whitelists()).isEmpty();
        assertThat(c.bounceRecipients()).isEmpty();
        assertThat(c.maxReceivedHeaders()).isEqualTo(50);
        assertThat(c.greylist().enabled()).isTrue();
    }

    @Test
    void theSeedsConfigurationReads() {
        WardenConfig c = ConfigLoader.parse("""
                dnsbl:
                  threshold: 2
                  lists:
                    - b.barracudacentral.org
                    - zone: zen.spamhaus.org
                      codes: ["127.0.0.[2..11]"]
                    - zone: bl.spamcop.net
                      weight: 1
                      codes: [127.0.0.2]
                    - psbl.example=127.0.0.2-127.0.0.3*2
                    - {zone: bits.example, codes: ["&0.0.0.4", "&0x08"]}
                dnswl:
                  lists: [{zone: list.dnswl.org, codes: ["127.0.[0..255].[1..3]"]}]
                greylist: {delay: 1m, timeout: 8h, lifetime: 60d}
                whitelist_hosts: /etc/greylistd/whitelist-hosts
                bounce_recipients: /etc/mail/bounce-rcpts
                max_received_headers: 100
                """, "warden.yaml");
        assertThat(c.dnsLists().blacklists()).extracting(DnsList::zone)
                .containsExactly("b.barracudacentral.org", "zen.spamhaus.org", "bl.spamcop.net", "psbl.example", "bits.example");
        assertThat(c.dnsLists().blacklists().get(3).weight()).isEqualTo(2);
        assertThat(c.dnsLists().blacklists().get(1).codes().matches(ip("127.0.0.10"))).isTrue();
        assertThat(c.dnsLists().blacklists().get(1).codes().matches(ip("127.0.1.2"))).isFalse();
        assertThat(c.dnsLists().blacklists().get(4).codes().matches(ip("127.0.0.12"))).isTrue();
        assertThat(c.dnsLists().whitelists()).singleElement().satisfies(w -> {
            assertThat(w.zone()).isEqualTo("list.dnswl.org");
            assertThat(w.codes().matches(ip("127.0.15.2"))).isTrue();
            assertThat(w.codes().matches(ip("127.0.15.0"))).as("trust 0 does not exempt").isFalse();
        });
        assertThat(c.bounceRecipients()).contains(Path.of("/etc/mail/bounce-rcpts"));
        assertThat(c.maxReceivedHeaders()).isEqualTo(100);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            bad code              | dnsbl:\\n  lists:\\n    - {zone: zen.spamhaus.org, codes: [127.0.0.300]}  | 3 | 127.0.0.[2..11]
            weight zero           | dnsbl:\\n  lists:\\n    - {zone: zen.spamhaus.org, weight: 0}               | 3 | whole number from 1 to 100
            no zone               | dnsbl:\\n  lists:\\n    - {weight: 2}                                       | 3 | needs 'zone'
            not a zone            | dnsbl:\\n  lists: [not a zone]                                               | 2 | not a DNS zone
            typo in item          | dnsbl:\\n  lists:\\n    - {zone: zen.spamhaus.org, code: [127.0.0.2]}       | 3 | did you mean
            lists not a list      | dnsbl:\\n  lists: zen.spamhaus.org                                           | 2 | must be a list
            threshold zero        | dnsbl:\\n  threshold: 0                                                      | 2 | out of range
            whitelist weight      | dnswl:\\n  lists: [list.dnswl.org*2]                                         | 2 | any listing exempts
            whitelist weight map  | dnswl:\\n  lists:\\n    - {zone: list.dnswl.org, weight: 2}                 | 3 | known settings here: codes, zone
            unknown dnsbl key     | dnsbl:\\n  treshold: 2                                                       | 2 | did you mean 'dnsbl.threshold'
            hop limit             | max_received_headers: 0                                                      | 1 | out of range
            """)
    void errorsNameTheFileTheLineAndTheFix(String name, String yaml, int line, String fix) {
        assertThatThrownBy(() -> ConfigLoader.parse(yaml.replace("\\n", "\n"), "warden.yaml"))
                .as(name)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("warden.yaml:" + line + ":")
                .hasMessageContaining(fix);
    }

    @Test
    void configCheckReportsBadBounceRecipientLines(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("virtual"));
        Path bounces = Files.createDirectories(dir.resolve("bounce-rcpts"));
        Files.writeString(bounces.resolve("example.org"), "postmaster\nbob@example.org\n");
        WardenConfig c = ConfigLoader.parse("hostname: mx.example.org\nvirtual_domains: " + dir.resolve("virtual")
                        + "\nbounce_recipients: " + bounces + "\n",
                "warden.yaml");
        assertThat(Components.validateFiles(c)).singleElement().satisfies(p -> {
            assertThat(p.file()).isEqualTo(bounces.resolve("example.org").toString());
            assertThat(p.line()).isEqualTo(2);
            assertThat(p.fix()).contains("'bob'");
        });
    }
}
