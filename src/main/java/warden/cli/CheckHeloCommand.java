package warden.cli;

import warden.mail.IpText;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import warden.config.WardenConfig;
import warden.dns.ClientIdentity;
import warden.mail.Cidr;
import warden.policy.Decision;
import warden.policy.DialoguePolicy;
import warden.policy.Finding;
import warden.policy.HeloReport;
import warden.policy.PolicySession;
import warden.policy.PolicySettings;
import warden.policy.SessionSnapshot;
import warden.policy.Stage;
import warden.policy.Verdict;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code warden check-helo --client-ip IP NAME}: runs every HELO check and the client-identity
 * checks through DNS, as the server would for a client at IP greeting with NAME, and prints the
 * findings and the verdict: {@code pass}, {@code delay}, {@code defer}, {@code deny} or
 * {@code drop}. Refusals are shown where they are earned (as with {@code policy.reject_at: helo}),
 * not held until RCPT.
 *
 * <p>Exit status: 0 for pass or delay, 1 for defer, deny or drop, 2 for a usage or configuration error.
 */
@Command(name = "check-helo", mixinStandardHelpOptions = true,
        description = "Run the HELO and client-identity checks for one greeting and print the verdict.")
public final class CheckHeloCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--client-ip", required = true, paramLabel = "IP", description = "the client's address")
    String clientIp;

    @Option(names = "--json", description = "print JSON: verdict and findings (check, action, reason)")
    boolean json;

    @Parameters(index = "0", paramLabel = "NAME", arity = "0..1", description = "the HELO/EHLO argument (empty if left out)")
    String name = "";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        InetAddress client = Cidr.literal(clientIp);
        if (client == null) throw new IllegalArgumentException("--client-ip '" + clientIp + "' is not an IP address");
        WardenConfig c = config.load();
        try (Components components = Components.forTool(c, null)) {
            Map<String, Object> report = check(components, client, name);
            var out = spec.commandLine().getOut();
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
            } else {
                @SuppressWarnings("unchecked")
                List<String> lines = (List<String>) report.remove("lines");
                lines.forEach(out::println);
            }
            out.flush();
            String verdict = (String) report.get("verdict");
            return verdict.equals("pass") || verdict.equals("delay") ? 0 : 1;
        }
    }

    /** The verdict and findings for {@code name} from {@code client}, as a JSON-ready map (plus text {@code lines}). */
    static Map<String, Object> check(Components components, InetAddress client, String name) {
        PolicySettings settings = components.policySettings.withRejectAt(PolicySettings.RejectAt.HELO);
        DialoguePolicy engine = new DialoguePolicy(settings, components.resolver, line -> { });
        PolicySession session = engine.open(client);
        ClientIdentity identity = ClientIdentity.lookup(components.resolver, client);
        boolean relay = components.config.relayNetworks().stream().anyMatch(n -> n.contains(client));
        InetAddress local = InetAddress.getLoopbackAddress();
        Decision connect = session.decide(new SessionSnapshot(Stage.CONNECT, client, 0, local, Optional.of(identity),
                Optional.empty(), Optional.empty(), Optional.empty(), false, relay, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty()));
        Decision helo = connect.refusal().isPresent() ? connect
                : session.decide(new SessionSnapshot(Stage.HELO, client, 0, local, Optional.of(identity),
                Optional.of("EHLO"), Optional.of(name), Optional.empty(), false, relay, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty()));
        List<Finding> findings = new ArrayList<>(connect.findings());
        if (helo != connect) findings.addAll(helo.findings());
        Verdict verdict = connect.refusal().isPresent() ? connect.verdict() : helo.verdict();
        var delay = helo == connect ? connect.delay() : connect.delay().plus(helo.delay());
        var headers = new LinkedHashSet<>(connect.headers());
        headers.addAll(helo.headers());
        Decision combined = new Decision(verdict, delay, List.copyOf(headers), findings);
        HeloReport report = HeloReport.of(combined, settings);
        Map<String, Object> map = report.toMap();
        String word = switch (report.verdict()) {
            case "continue" -> delay.isZero() ? "pass" : "delay";
            default -> report.verdict();
        };
        map.put("verdict", word);
        map.put("client", IpText.of(client));
        map.put("helo", name);
        List<String> lines = new ArrayList<>();
        lines.add("client [" + IpText.of(client) + "]" + (relay ? " (in relay_networks: exempt by policy.exempt_relay_clients)" : "")
                + ", PTR " + (identity.ptrNames().isEmpty() ? "none" : String.join(" ", identity.ptrNames()))
                + identity.confirmedName().map(n -> ", forward-confirmed").orElse(", not forward-confirmed")
                + (identity.tempFail() ? " (DNS temporary failure)" : ""));
        lines.add("helo \"" + name + "\"");
        List<String> reportLines = new ArrayList<>(report.lines());
        reportLines.set(0, reportLines.get(0).replaceFirst("^verdict: continue", "verdict: " + word));
        lines.addAll(reportLines);
        map.put("lines", lines);
        return map;
    }
}
