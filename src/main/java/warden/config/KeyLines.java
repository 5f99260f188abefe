package warden.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The lines of the top-level keys of the configuration file, for the problems' {@code file:line}. */
record KeyLines(String file, Map<String, Integer> keys) {
    static KeyLines of(String source) {
        try {
            Path p = Path.of(source);
            if (Files.isRegularFile(p) && YamlReader.read(Files.readString(p, StandardCharsets.UTF_8), source)
                    instanceof ConfigNode.Mapping m) {
                return new KeyLines(source, m.keyLines());
            }
        } catch (IOException | RuntimeException e) {
            // no lines then: the problem still names the file and the key
        }
        return new KeyLines(source, Map.of());
    }

    ConfigProblem problem(String key, ConfiguredPaths.Found f) {
        return new ConfigProblem(file, keys.getOrDefault(key, 0), key, f.message(), f.fix());
    }

    /** A problem of {@code key} (e.g. {@code tls.key}) at the line of its top-level {@code section}. */
    ConfigProblem problem(String section, String key, ConfiguredPaths.Found f) {
        return new ConfigProblem(file, keys.getOrDefault(section, 0), key, f.message(), f.fix());
    }
}
