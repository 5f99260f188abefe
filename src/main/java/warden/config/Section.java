package warden.config;

import warden.mail.Cidr;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A typed reader over one YAML mapping: every getter takes the built-in default, records that the
 * key is known, and turns a bad value into a {@link ConfigProblem} naming file, line and fix.
 * {@link #finish()} reports the keys nobody asked for as unknown, with the nearest known key.
 */
public final class Section {

    private final String file;
    private final String prefix;
    private final ConfigNode.Mapping node;
    private final List<ConfigProblem> problems;
    private final Set<String> known = new HashSet<>();

    Section(String file, String prefix, ConfigNode.Mapping node, List<ConfigProblem> problems) {
        this.file = file;
        this.prefix = prefix;
        this.node = node;
        this.problems = problems;
    }

    static ConfigNode.Mapping emptyMapping(int line) {
        return new ConfigNode.Mapping(new LinkedHashMap<>(), Map.of(), line);
    }

    /** The raw node under {@code key}, marking it known. */
    public Optional<ConfigNode> node(String key) {
        known.add(key);
        ConfigNode n = node.entries().get(key);
        if (n instanceof ConfigNode.Scalar s && s.text() == null) return Optional.empty();
        return Optional.ofNullable(n);
    }

    public String file() { return file; }

    public String path(String key) { return prefix.isEmpty() ? key : prefix + "." + key; }

    public int lineOf(String key) {
        Integer l = node.keyLines().get(key);
        return l == null ? node.line() : l;
    }

    /** Records a problem with the value of {@code key}. */
    public void problem(String key, int line, String message, String fix) {
        problems.add(new ConfigProblem(file, line, path(key), message, fix));
    }

    /** A nested section; absent means all defaults. */
    public Section section(String key) {
        Optional<ConfigNode> n = node(key);
        if (n.isPresent() && !(n.get() instanceof ConfigNode.Mapping)) {
            problem(key, n.get().line(), "must be a map of settings, not " + n.get().kind(),
                    "write the settings indented under '" + key + ":'");
        }
        ConfigNode.Mapping m = n.filter(ConfigNode.Mapping.class::isInstance).map(ConfigNode.Mapping.class::cast)
                .orElse(emptyMapping(lineOf(key)));
        return new Section(file, path(key), m, problems);
    }

    /** The keys present in this section, in document order. */
    public List<String> keys() {
        return List.copyOf(node.entries().keySet());
    }

    public <T> T scalar(String key, T fallback, String expected, Function<String, T> parse) {
        Optional<ConfigNode> n = node(key);
        if (n.isEmpty()) return fallback;
        if (!(n.get() instanceof ConfigNode.Scalar s)) {
            problem(key, n.get().line(), "must be " + expected + ", not " + n.get().kind(), "write one " + expected);
            return fallback;
        }
        try {
            return parse.apply(s.text());
        } catch (IllegalArgumentException e) {
            problem(key, s.line(), e.getMessage(), "write " + expected);
            return fallback;
        }
    }

    public String string(String key, String fallback) {
        return scalar(key, fallback, "a string", t -> t);
    }

    public Optional<String> optionalString(String key) {
        return Optional.ofNullable(scalar(key, null, "a string", t -> t));
    }

    public int integer(String key, int fallback, int min, int max) {
        return scalar(key, fallback, "a whole number from " + min + " to " + max, t -> {
            int v;
            try {
                v = Integer.parseInt(t.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + t + "' is not a whole number");
            }
            if (v < min || v > max) throw new IllegalArgumentException(v + " is out of range");
            return v;
        });
    }

    public boolean bool(String key, boolean fallback) {
        return scalar(key, fallback, "true or false", t -> switch (t.strip().toLowerCase()) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("'" + t + "' is not true or false");
        });
    }

    public Duration duration(String key, Duration fallback) {
        return scalar(key, fallback, "a duration such as 45s, 10m, 8h or 60d", Units::duration);
    }

    public long size(String key, long fallback) {
        return scalar(key, fallback, "a size such as 512K or 10M", Units::size);
    }

    /** A size from {@code min} to {@code max} octets; {@code why} says what a value out of range would do. */
    public long size(String key, long fallback, long min, long max, String why) {
        String expected = "a size from " + Units.formatSize(min) + " to " + Units.formatSize(max) + " such as 25M";
        return scalar(key, fallback, expected, t -> {
            long v = Units.size(t);
            if (v < min || v > max) throw new IllegalArgumentException("'" + t.strip() + "' is out of range: " + why);
            return v;
        });
    }

    public Path path(String key, Path fallback) {
        return scalar(key, fallback, "a path", t -> {
            if (t.isBlank()) throw new IllegalArgumentException("empty path");
            return Path.of(t);
        });
    }

    public <E extends Enum<E>> E choice(String key, E fallback, Class<E> type) {
        List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase()).toList();
        return scalar(key, fallback, "one of " + String.join(", ", names), t -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(t.strip())) return e;
            }
            throw new IllegalArgumentException("'" + t + "' is not one of " + String.join(", ", names));
        });
    }

    /** A list of scalars; a single scalar is taken as a one-item list. */
    public <T> List<T> list(String key, List<T> fallback, String expected, Function<String, T> parse) {
        Optional<ConfigNode> n = node(key);
        if (n.isEmpty()) return fallback;
        List<ConfigNode> items = switch (n.get()) {
            case ConfigNode.Sequence s -> s.items();
            case ConfigNode.Scalar s -> List.of(s);
            case ConfigNode.Mapping m -> {
                problem(key, m.line(), "must be a list, not a map", "write one '- item' per line");
                yield List.of();
            }
        };
        List<T> out = new ArrayList<>();
        for (ConfigNode item : items) {
            if (item instanceof ConfigNode.Scalar s && s.text() != null) {
                try {
                    out.add(parse.apply(s.text()));
                } catch (IllegalArgumentException e) {
                    problem(key, s.line(), e.getMessage(), "each item must be " + expected);
                }
            } else {
                problem(key, item.line(), "each item must be " + expected + ", not " + item.kind(), "");
            }
        }
        return List.copyOf(out);
    }

    public List<Cidr> cidrs(String key, List<Cidr> fallback) {
        return list(key, fallback, "an IP address or CIDR network such as 192.0.2.0/24", Cidr::parse);
    }

    /** Reports every key of this section nobody asked for. Call after reading all keys. */
    public void finish() {
        for (String key : node.entries().keySet()) {
            if (!known.contains(key)) {
                String near = nearest(key);
                problem(key, lineOf(key), "unknown setting",
                        near == null ? "remove it; known settings here: " + String.join(", ", known.stream().sorted().toList())
                                : "did you mean '" + path(near) + "'?");
            }
        }
    }

    private String nearest(String key) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            if (k.startsWith(key.toLowerCase()) || key.toLowerCase().startsWith(k)) return k;
            int d = distance(key.toLowerCase(), k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[b.length()];
    }
}
