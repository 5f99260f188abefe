package warden.outbound;

import org.junit.jupiter.api.Test;
import warden.config.ConfigLoader;

import static org.assertj.core.api.Assertions.assertThat;

/** routes (exact > .parent > *) > smarthost > MX, with the destination keys and R= names the queue logs. */
class RouterTest {

    private static Router router(String yaml) {
        return Router.from(ConfigLoader.parse("hostname: mx.example.org\n" + yaml, "w.yaml"));
    }

    @Test
    void withNothingConfiguredEveryDomainGoesToItsMx() {
        Destination d = router("").route("Example.NET.");
        assertThat(d).isEqualTo(Destination.mx("example.net"));
        assertThat(d.key()).isEqualTo("example.net");
        assertThat(d.hops()).containsExactly(new NextHop("example.net", 25, false));
        assertThat(d.authenticate()).isFalse();
        assertThat(d.router()).isEqualTo("dnslookup");
        assertThat(d.byMx()).isTrue();
    }

    @Test
    void anExactRouteBeatsAParentRouteWhichBeatsTheStarRouteWhichBeatsTheSmarthost() {
        Router r = router("""
                routes:
                  example.net: ["[10.0.0.5]:25", "mail.example.net"]
                  .example.net: "[10.0.0.6]:2525"
                  .deep.example.net: "[10.0.0.7]"
                  "*": "relay.example.com:587"
                smarthost: "[mail.provider.example]:587"
                """);
        Destination exact = r.route("EXAMPLE.net");
        assertThat(exact.key()).isEqualTo("[10.0.0.5]:25 mail.example.net");
        assertThat(exact.hops()).containsExactly(new NextHop("10.0.0.5", 25, true), new NextHop("mail.example.net", 25, false));
        assertThat(exact.router()).isEqualTo("route");
        assertThat(exact.authenticate()).isFalse();
        assertThat(r.route("a.example.net").key()).isEqualTo("[10.0.0.6]:2525");
        assertThat(r.route("x.deep.example.net").key()).isEqualTo("[10.0.0.7]:25");
        assertThat(r.route("deep.example.net").key()).isEqualTo("[10.0.0.6]:2525");
        Destination star = r.route("gmail.test");
        assertThat(star.key()).isEqualTo("relay.example.com:587");
        assertThat(star.router()).isEqualTo("route");
        assertThat(r.route("notexample.net")).isEqualTo(star);
    }

    @Test
    void theSmarthostTakesEveryDomainNoRouteNamesAndAuthenticates() {
        Router r = router("""
                routes: {corp.example: "[10.0.0.5]"}
                smarthost: "[mail.provider.example]:587"
                smarthost_credentials: /etc/exim4/passwd.client
                """);
        Destination d = r.route("gmail.test");
        assertThat(d.key()).isEqualTo("[mail.provider.example]:587");
        assertThat(d.hops()).containsExactly(new NextHop("mail.provider.example", 587, true));
        assertThat(d.authenticate()).isTrue();
        assertThat(d.router()).isEqualTo("smarthost");
        assertThat(d.byMx()).isFalse();
        assertThat(r.route("other.test")).isEqualTo(d);
        assertThat(r.route("corp.example").router()).isEqualTo("route");
    }

    @Test
    void aSmarthostWithoutACredentialsFileIsSentNoCredentials() {
        Destination d = router("smarthost: \"[mail.isp.example]\"\n").route("gmail.test");
        assertThat(d.router()).isEqualTo(Destination.SMARTHOST);
        assertThat(d.authenticate()).isFalse();
    }

    @Test
    void destinationsMadeByHandNameTheirRouterByShape() {
        assertThat(new Destination("example.net", java.util.List.of(new NextHop("example.net", 25, false)), false).router())
                .isEqualTo(Destination.DNSLOOKUP);
        assertThat(new Destination("[127.0.0.1]:2525", java.util.List.of(new NextHop("127.0.0.1", 2525, true)), false).router())
                .isEqualTo(Destination.ROUTE);
        assertThat(new Destination("[relay.test]:587", java.util.List.of(new NextHop("relay.test", 587, true)), true).router())
                .isEqualTo(Destination.SMARTHOST);
    }
}
