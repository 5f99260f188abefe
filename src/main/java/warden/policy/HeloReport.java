package warden.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A decision explained for people and programs: the verdict, the reply, the delay, and every
 * finding with the action it earned. The output of {@code check-helo} and {@code simulate}.
 *
 * <pre>
 * verdict: deny (550 5.7.1 HELO "192.0.2.1" is a bare IP address; ...), delay 20s
 *   helo-bare-ip          fail  delay 20s, deny  HELO "192.0.2.1" is a bare IP address; ...
 *   helo-not-fqdn         skip  pass             not a host name
 * </pre>
 *
 * {@link #toMap()} gives the same as nested maps and lists of strings and numbers, ready for a
 * JSON writer: {@code {"verdict":"deny","reply":"550 5.7.1 ...","delay_seconds":20,
 * "findings":[{"check":"helo-bare-ip","outcome":"fail","action":"delay 20s, deny","reason":"..."}],
 * "headers":[...]}}.
 *
 * @param verdict {@code continue}, {@code defer}, {@code deny} or {@code drop}
 * @param reply the refusal as sent ({@code 550 5.7.1 text}), or {@code ""} for continue
 * @param delaySeconds how long the reply is held back
 * @param findings every finding with its effective action
 * @param headers the header lines the message would get
 */
public record HeloReport(String verdict, String reply, long delaySeconds, List<Item> findings, List<String> headers) {

    /** One finding: the check, its outcome, the action it earned, and the reason. */
    public record Item(String check, String outcome, String action, String reason) {}

    public HeloReport {
        findings = List.copyOf(findings);
        headers = List.copyOf(headers);
    }

    /** Explains {@code decision}, taking each finding's action from {@code settings}. */
    public static HeloReport of(Decision decision, PolicySettings settings) {
        String verdict = decision.refusal()
                .map(r -> r.isTransient() ? "defer" : decision.disconnect() ? "drop" : "deny")
                .orElse("continue");
        List<Item> items = new ArrayList<>();
        for (Finding f : decision.findings()) {
            String action = Ruling.of(f, settings).map(Ruling::describe).orElse("-");
            if (settings.mode() == PolicySettings.Mode.REPORT && !action.equals("pass") && !action.equals("-")) {
                action = "would " + action;
            }
            items.add(new Item(f.check(), f.outcome().name().toLowerCase(Locale.ROOT), action, f.reason()));
        }
        return new HeloReport(verdict, decision.refusal().map(Object::toString).orElse(""),
                decision.delay().toSeconds(), items, decision.headers());
    }

    /** The report as text lines, the verdict first, then one line a finding, then the headers. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("verdict: " + verdict + (reply.isEmpty() ? "" : " (" + reply + ")")
                + (delaySeconds > 0 ? ", delay " + delaySeconds + "s" : ""));
        int width = findings.stream().mapToInt(i -> i.check().length()).max().orElse(0);
        int actionWidth = findings.stream().mapToInt(i -> i.action().length()).max().orElse(0);
        for (Item i : findings) {
            lines.add(String.format("  %-" + width + "s  %-8s  %-" + actionWidth + "s  %s",
                    i.check(), i.outcome(), i.action(), i.reason()));
        }
        for (String h : headers) lines.add("  " + h);
        return lines;
    }

    /** The report as maps, lists, strings and numbers, in a stable key order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", verdict);
        m.put("reply", reply);
        m.put("delay_seconds", delaySeconds);
        List<Map<String, String>> list = new ArrayList<>();
        for (Item i : findings) {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("check", i.check());
            f.put("outcome", i.outcome());
            f.put("action", i.action());
            f.put("reason", i.reason());
            list.add(f);
        }
        m.put("findings", list);
        m.put("headers", headers);
        return m;
    }
}
