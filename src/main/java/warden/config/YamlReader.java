package warden.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a YAML document into {@link ConfigNode}s with line numbers, using Jackson's streaming
 * YAML parser. Duplicate keys are errors (YAML says so, and a silent override hides mistakes).
 */
final class YamlReader {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private YamlReader() {}

    /** Parses {@code text}; an empty document gives an empty mapping. */
    static ConfigNode read(String text, String file) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) return new ConfigNode.Mapping(new LinkedHashMap<>(), Map.of(), 1);
            ConfigNode node = readValue(p, file);
            return node;
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            String msg = e.getOriginalMessage().lines().findFirst().orElse("syntax error");
            throw new ConfigException(List.of(new ConfigProblem(file, line, "", "YAML syntax error: " + msg,
                    "check indentation (spaces, not tabs) and quoting around this line")));
        } catch (IOException e) {
            throw new ConfigException(List.of(new ConfigProblem(file, 0, "", "cannot read: " + e.getMessage(), "")));
        }
    }

    private static ConfigNode readValue(JsonParser p, String file) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                LinkedHashMap<String, ConfigNode> entries = new LinkedHashMap<>();
                Map<String, Integer> keyLines = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    int keyLine = p.currentTokenLocation().getLineNr();
                    p.nextToken();
                    ConfigNode value = readValue(p, file);
                    if (entries.containsKey(key)) {
                        throw new ConfigException(List.of(new ConfigProblem(file, keyLine, key,
                                "the key appears twice (first on line " + keyLines.get(key) + ")",
                                "keep one of the two")));
                    }
                    entries.put(key, value);
                    keyLines.put(key, keyLine);
                }
                return new ConfigNode.Mapping(entries, keyLines, line);
            }
            case START_ARRAY -> {
                List<ConfigNode> items = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) items.add(readValue(p, file));
                return new ConfigNode.Sequence(items, line);
            }
            case VALUE_NULL -> {
                return new ConfigNode.Scalar(null, line);
            }
            default -> {
                return new ConfigNode.Scalar(p.getText(), line);
            }
        }
    }
}
